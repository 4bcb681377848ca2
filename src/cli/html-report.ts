import { basename } from 'node:path';
import type { RunReport, Suspect } from '../analysis/report.ts';
import { SourceFiles } from '../analysis/source.ts';
import { moreSitesText, recordedFunction, SHOWN_SITES, siteSummary } from '../present/sites.ts';
import { excerptAround, Listing, listingTitle, listTopSite, marginText } from '../present/listing.ts';
import { formatFile, formatPlace } from '../present/places.ts';
import { timelineBars } from '../present/timeline.ts';
import { growthText, insideText, nowText, VERDICT_STAMP } from '../present/suspects.ts';
import { formatBytes, formatCount, formatCountDelta, formatDelta, formatPercent, formatSeconds, formatTrend, niceStep } from '../present/units.ts';

// One self-contained HTML file for `leakscope run`: no scripts, no network, every string from
// the heap or the program escaped. The CSP below forbids everything the page does not need, so
// even an escaping mistake could not run code or call out.

const CSP = `default-src 'none'; style-src 'unsafe-inline'; img-src data:`;
const SERIES = [
  { key: 'heapUsed', label: 'heapUsed' },
  { key: 'heapTotal', label: 'heapTotal' },
  { key: 'rss', label: 'rss' },
  { key: 'external', label: 'external' },
] as const;

/** Markup already built (and escaped) by `html`, so it is not escaped twice. */
class Html {
  constructor(readonly text: string) {}
}

function escapeHtml(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;')
      // A URL in a heap string is only text, but the file must hold no `http://` at all.
      .replace(/:\/\//g, '&#58;//')
  );
}

function render(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** Template tag: every interpolated value is escaped unless it is Html, so safe is the default. */
function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  values.forEach((value, k) => (out += render(value) + strings[k + 1]));
  return new Html(out);
}

/** SVG coordinates: short, and never `NaN` in the markup. */
function n(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 10) / 10) : '0';
}

function points(xy: Array<[number, number]>): string {
  return xy.map(([x, y]) => `${n(x)},${n(y)}`).join(' ');
}

type Column = { label: string; cls?: 'num' | 'code' };

/** A table of plain-text cells (escaped here), numbers right-aligned, paths monospace; a row a line, so a diff shows the row. */
function table(columns: Column[], rows: string[][]): Html {
  const cls = (c: Column) => (c.cls ? new Html(` class="${c.cls}"`) : '');
  return html`<table><thead><tr>${columns.map((c) => html`<th${cls(c)}>${c.label}</th>`)}</tr></thead><tbody>
${rows.map((row) => html`<tr>${row.map((cell, k) => html`<td${cls(columns[k])}>${cell}</td>`)}</tr>\n`)}</tbody></table>`;
}

/** A chart of bytes over time: its scales, and its opening markup (the grid, byte and second ticks, the axes). */
interface ChartFrame {
  x: (ms: number) => number;
  y: (bytes: number) => number;
  /** The top and bottom of the plot, for lines across it. */
  top: number;
  bottom: number;
  open: Html;
}

function chartFrame(height: number, t0: number, t1: number, yMax: number, label: string, timeCaption: string): ChartFrame {
  const width = 900;
  const [left, right, top, bottom] = [70, 16, 16, 36];
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const span = Math.max(t1 - t0, 1);
  // Byte ticks in whole units (MB steps for MB values), so the labels come out round.
  const unit = 1024 ** Math.max(0, Math.floor(Math.log(yMax) / Math.log(1024)));
  const yStep = niceStep(yMax / unit / 5) * unit;
  const yTop = Math.ceil(yMax / yStep) * yStep;
  const xStep = niceStep(span / 1000 / 6) * 1000;
  const x = (ms: number) => left + ((ms - t0) / span) * plotW;
  const y = (bytes: number) => top + plotH - (bytes / yTop) * plotH;

  const grid: Html[] = [];
  for (let v = 0; v <= yTop + yStep / 2; v += yStep) {
    grid.push(html`<line class="grid" x1="${n(left)}" x2="${n(left + plotW)}" y1="${n(y(v))}" y2="${n(y(v))}"/>`);
    grid.push(html`<text class="tick" x="${n(left - 6)}" y="${n(y(v) + 4)}" text-anchor="end">${formatBytes(v)}</text>`);
  }
  for (let ms = Math.ceil(t0 / xStep) * xStep; ms <= t1; ms += xStep) {
    grid.push(html`<text class="tick" x="${n(x(ms))}" y="${n(top + plotH + 16)}" text-anchor="middle">${`${+(ms / 1000).toPrecision(6)} s`}</text>`);
  }
  const open = html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${label}">
${grid}
<line class="axis" x1="${n(left)}" x2="${n(left)}" y1="${n(top)}" y2="${n(top + plotH)}"/>
<line class="axis" x1="${n(left)}" x2="${n(left + plotW)}" y1="${n(top + plotH)}" y2="${n(top + plotH)}"/>
<text class="tick" x="${n(left + plotW)}" y="${n(height - 4)}" text-anchor="end">${timeCaption}</text>`;
  return { x, y, top, bottom: top + plotH, open };
}

/** A dashed line per snapshot at the time it was taken (none where that is unknown), numbered from 1. */
function snapshotMarkers(frame: ChartFrame, timesMs: Array<number | undefined>): Html[] {
  return timesMs.flatMap((ms, k) =>
    ms === undefined
      ? []
      : [
          html`<g class="snapshot-marker"><title>${`snapshot ${k + 1} at ${formatSeconds(ms)}`}</title><line class="snap" x1="${n(frame.x(ms))}" x2="${n(frame.x(ms))}" y1="${n(frame.top)}" y2="${n(frame.bottom)}"/><text class="snap-label" x="${n(frame.x(ms) + 4)}" y="${n(frame.top + 12)}">#${k + 1}</text></g>`,
        ],
  );
}

function memoryChart(report: RunReport): Html {
  const samples = report.samples;
  if (samples.length < 2) {
    return html`<p class="empty">${samples.length ? 'Only one memory reading: too few to chart.' : 'No memory readings to chart.'}</p>`;
  }
  const t0 = Math.min(...samples.map((s) => s.timeMs));
  const t1 = Math.max(...samples.map((s) => s.timeMs), ...report.run.snapshotTimesMs);
  const yMax = Math.max(1, ...samples.flatMap((s) => SERIES.map(({ key }) => s[key])));
  const frame = chartFrame(300, t0, t1, yMax, 'Memory over time', 'time since start');
  const { x, y } = frame;
  const lines = SERIES.map(
    ({ key }) =>
      html`<polyline class="series s-${key}" data-series="${key}" points="${points(samples.map((s): [number, number] => [x(s.timeMs), y(s[key])]))}"/>`,
  );
  const dots = samples
    .filter((s) => s.afterGc)
    .map(
      (s) =>
        html`<circle class="gc-dot" cx="${n(x(s.timeMs))}" cy="${n(y(s.heapUsed))}" r="3.5"><title>${`after GC at ${formatSeconds(s.timeMs)}: ${formatBytes(s.heapUsed)} heap used`}</title></circle>`,
    );
  const legend = SERIES.map(({ key, label }) => html`<span class="key"><span class="swatch s-${key}"></span>${label}</span>`);
  return html`${frame.open}
${snapshotMarkers(frame, report.run.snapshotTimesMs)}
${lines}
${dots}
</svg>
<p class="legend">${legend}<span class="key"><span class="swatch dot"></span>heapUsed after GC</span><span class="key"><span class="swatch dash"></span>snapshot</span></p>`;
}

/**
 * The newest snapshot's allocation timeline as bars, when it was recorded with allocation
 * tracking through the inspector; the earlier snapshots marked where their timelines end.
 */
function allocationTimelineChart(report: RunReport): Html {
  const timeline = timelineBars(report.snapshots[report.snapshots.length - 1]?.allocationTimeline ?? null, 60);
  if (!timeline) return html``;
  const { stepMs, bars, beforeBytes } = timeline;
  const frame = chartFrame(220, 0, bars.length * stepMs, Math.max(1, ...bars), 'Still held, by when it was allocated', 'time since tracking started');
  const { x, y } = frame;
  const rects = bars.flatMap((bytes, k) =>
    bytes > 0
      ? [
          html`<rect class="bar" x="${n(x(k * stepMs) + 1)}" y="${n(y(bytes))}" width="${n(Math.max(1, x((k + 1) * stepMs) - x(k * stepMs) - 2))}" height="${n(frame.bottom - y(bytes))}"><title>${`${formatSeconds(k * stepMs)}–${formatSeconds((k + 1) * stepMs)}: ${formatBytes(bytes)} still held`}</title></rect>`,
        ]
      : [],
  );
  const ends = report.snapshots.slice(0, -1).map((s) => s.allocationTimeline?.at(-1)?.timeMs);
  return html`<h2>Allocation timeline</h2>
<p>What the newest snapshot still holds, by when it was allocated (${formatSeconds(stepMs)} a bar): bars that stay up all along are what the program keeps; a program that lets go keeps only the newest. Not drawn: ${formatBytes(beforeBytes)} still held from before tracking started.</p>
${frame.open}
${snapshotMarkers(frame, ends)}
${rects}
</svg>
`;
}

/** Retained size per snapshot; missing snapshots keep their place on the x axis. */
function sparkline(series: Suspect['series']): Html {
  const known = series.flatMap((p, k) => (p ? [[k, p.retainedBytes] as const] : []));
  if (known.length < 2) return html``;
  const [w, h, pad] = [120, 28, 3];
  const max = Math.max(1, ...known.map(([, v]) => v));
  const xy = known.map(([k, v]): [number, number] => [pad + (k / Math.max(1, series.length - 1)) * (w - 2 * pad), h - pad - (v / max) * (h - 2 * pad)]);
  const [lx, ly] = xy[xy.length - 1];
  const title = known.map(([, v]) => formatBytes(v)).join(' → ');
  return html`<svg class="spark" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${`retained per snapshot: ${title}`}"><title>${title}</title><polyline points="${points(xy)}"/><circle cx="${n(lx)}" cy="${n(ly)}" r="2.5"/></svg>`;
}

/** An excerpt as the text report shows it: bytes (or an arrow) in the margin, the lines it is about marked. */
function listing(lines: Listing, caption = ''): Html {
  const rows = lines.map((l) => {
    if (!l) return html`<span class="gap">⋮</span>\n`;
    const text = html`<span class="margin">${marginText(l).padStart(7)}</span> ${String(l.line).padStart(4)}  ${l.text}`;
    return l.marked ? html`<mark>${text}</mark>\n` : html`${text}\n`;
  });
  return html`<figure class="source">${caption ? html`<figcaption>${caption}</figcaption>` : ''}<pre>${rows}</pre></figure>`;
}

function suspectCard(s: Suspect, index: number, cwd: string, sources: SourceFiles): Html {
  const alloc = s.allocatedIn;
  const top = s.growthSites[0];
  const holderExcerpt = s.location && excerptAround(s.location, sources);
  const siteListing = listTopSite(s, sources);
  const sites = s.growthSites.slice(0, SHOWN_SITES).map((site) => html`<li><code>${formatPlace(site, cwd)}</code> ${siteSummary(site, s)}</li>`);
  const more = moreSitesText(s);
  if (more) sites.push(html`<li class="more">${more}</li>`);
  return html`<article class="card">
<header><span class="rank">#${index + 1}</span><h3>${s.title}</h3><span class="kind">${s.kind}</span>${sparkline(s.series)}</header>
<dl>
<dt>Grew</dt><dd>${growthText(s)}</dd>
<dt>Now</dt><dd>${nowText(s)}</dd>
<dt>At</dt><dd><code>${formatPlace(s.location, cwd)}</code></dd>
${s.inside ? html`<dt>Inside</dt><dd>${insideText(s.inside)}${s.inside.location ? html` at <code>${formatPlace(s.inside.location, cwd)}</code>` : ''}</dd>` : ''}
${alloc ? html`<dt>Allocated in</dt><dd><code>${`${recordedFunction(alloc.functionName)} at ${formatPlace(alloc, cwd)}`}</code></dd>` : ''}
${s.retainerPath.length ? html`<dt>Held by</dt><dd><code class="path">${s.retainerPath.join(' → ')}</code></dd>` : ''}
${top ? html`<dt>Grows at</dt><dd><ul class="sites">${sites}</ul></dd>` : ''}
${s.growthSitesNote ? html`<dt>Note</dt><dd>${s.growthSitesNote}</dd>` : ''}
<dt>Fix</dt><dd>${s.hint}</dd>
</dl>
${holderExcerpt ? listing(holderExcerpt) : ''}
${siteListing ? listing(siteListing, listingTitle(top, siteListing, cwd)) : ''}
</article>`;
}

const STYLE = `
:root { color-scheme: light; }
body { margin: 0; background: #f6f7f9; color: #1d232b; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 10px; border-bottom: 1px solid #dde1e6; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 0; flex: 1; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.run { color: #58626e; margin: 0 0 16px; }
.verdict { display: flex; align-items: center; gap: 16px; background: #fff; border: 1px solid #dde1e6; border-radius: 10px; padding: 16px; }
.badge { font-weight: 700; font-size: 22px; letter-spacing: .04em; color: #fff; padding: 8px 18px; border-radius: 8px; white-space: nowrap; }
.v-leak { background: #c62828; } .v-no-leak { background: #2e7d32; } .v-inconclusive { background: #b26a00; }
.warn { color: #b26a00; }
.chart { width: 100%; height: auto; background: #fff; border: 1px solid #dde1e6; border-radius: 10px; }
.chart .grid { stroke: #eceff3; } .chart .axis { stroke: #8a949f; }
.chart .tick { font-size: 11px; fill: #58626e; }
.chart .series { fill: none; stroke-width: 2; stroke-linejoin: round; }
.s-heapUsed { stroke: #1565c0; background: #1565c0; } .s-heapTotal { stroke: #90caf9; background: #90caf9; }
.s-rss { stroke: #ef6c00; background: #ef6c00; } .s-external { stroke: #2e7d32; background: #2e7d32; }
.chart .gc-dot { fill: #0d2c54; } .chart .bar { fill: #1565c0; }
.chart .snap { stroke: #6a1b9a; stroke-dasharray: 5 4; } .chart .snap-label { font-size: 12px; fill: #6a1b9a; font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: 18px; color: #58626e; font-size: 13px; margin: 6px 0 0; }
.key { display: inline-flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 18px; height: 3px; }
.swatch.dot { width: 8px; height: 8px; border-radius: 50%; background: #0d2c54; }
.swatch.dash { height: 0; border-top: 2px dashed #6a1b9a; }
.empty { background: #fff; border: 1px dashed #c5cbd3; border-radius: 10px; padding: 16px; color: #58626e; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #dde1e6; font-size: 14px; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid #eceff3; vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; word-break: break-all; }
ul.notes { padding-left: 20px; }
.card { background: #fff; border: 1px solid #dde1e6; border-left: 4px solid #c62828; border-radius: 10px; padding: 14px 16px; margin: 12px 0; }
.card header { display: flex; align-items: center; gap: 10px; margin-bottom: 8px; }
.rank { font-weight: 700; color: #c62828; }
.kind { font-size: 12px; background: #eceff3; border-radius: 4px; padding: 1px 8px; color: #38414b; }
.spark polyline { fill: none; stroke: #c62828; stroke-width: 1.5; } .spark circle { fill: #c62828; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0; }
dt { color: #58626e; } dd { margin: 0; } .path { word-break: break-word; }
figure.source { margin: 10px 0 0; } figure.source figcaption { color: #58626e; font-size: 13px; margin-bottom: 2px; }
figure.source pre { background: #f6f7f9; border-radius: 6px; padding: 8px 10px; overflow-x: auto; margin: 0; }
figure.source mark { background: #fff3c4; } figure.source .margin { color: #c62828; font-weight: 600; } figure.source .gap { color: #8a949f; }
ul.sites { margin: 0; padding-left: 18px; } ul.sites .more { color: #58626e; list-style: none; }
footer { margin-top: 40px; color: #8a949f; font-size: 12px; }
`;

/** The `leakscope run` report as one HTML page that works from disk and fetches nothing. */
export function formatHtmlReport(report: RunReport, cwd = process.cwd()): string {
  const sources = new SourceFiles();
  const { run } = report;
  const name = basename(run.script);
  const script = formatFile(run.script, cwd);
  const postGc = report.samples.filter((s) => s.afterGc).length;
  const last = report.snapshots[report.snapshots.length - 1];
  const total = last?.totalBytes ?? 0;

  const memoryRow = (label: string, t: RunReport['memory']['heap']) => [
    label,
    formatBytes(t.levelBytes),
    formatTrend(t.slopeBytesPerSec),
    t.grows ? 'grows' : '—',
  ];
  let sum = 0;
  const topRows = report.top.map((row) => {
    sum += row.shallowBytes;
    return [formatBytes(row.shallowBytes), formatPercent(row.shallowBytes, total), formatPercent(sum, total), formatBytes(row.retainedBytes), formatPercent(row.retainedBytes, total), formatCount(row.count), row.name];
  });
  const orDash = (v: number | null, f: (v: number) => string) => (v === null ? '—' : f(v));

  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${new Html(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Leakscope — ${name}</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<main>
<h1>Leakscope — ${name}</h1>
<p class="run"><code>${['node', script, ...run.args].join(' ')}</code> · ran ${formatSeconds(run.durationMs)} · ${report.snapshots.length} snapshot${report.snapshots.length === 1 ? '' : 's'}${
    run.exitedEarly ? html` · <span class="warn">exited early (${run.exitedEarly})</span>` : ''
  }</p>
<section class="verdict"><span class="badge v-${report.verdict}">${VERDICT_STAMP[report.verdict]}</span><span>${report.verdictReason}</span></section>

<h2>Memory over time</h2>
${memoryChart(report)}
${allocationTimelineChart(report)}
<h2>Memory after GC</h2>
<p>Over ${formatSeconds(run.durationMs)}: ${formatCount(postGc)} post-GC readings, ${formatCount(report.samples.length)} in all.</p>
${table(
  [{ label: '' }, { label: 'level', cls: 'num' }, { label: 'slope', cls: 'num' }, { label: '' }],
  [memoryRow('heapUsed', report.memory.heap), memoryRow('external', report.memory.external), memoryRow('rss', report.memory.rss)],
)}
${report.notes.length ? html`<ul class="notes">${report.notes.map((note) => html`<li>${note}</li>`)}</ul>` : ''}
${
  report.allocationSites.length
    ? html`<h2>Allocation sites</h2>
<p>Sampled: everything allocated from the first snapshot to the middle one, then what was still alive at the last.</p>
${table(
  [{ label: 'kept /s', cls: 'num' }, { label: 'allocated /s', cls: 'num' }, { label: 'function' }, { label: 'where', cls: 'code' }],
  report.allocationSites.map((site) => [
    formatBytes(site.inuseBytesPerSec),
    formatBytes(site.allocBytesPerSec),
    site.functionName,
    formatPlace({ file: site.file, line: site.line, column: site.column, url: site.url }, cwd),
  ]),
)}`
    : ''
}

<h2>Growth suspects</h2>
${
  report.suspects.length
    ? report.suspects.map((s, k) => suspectCard(s, k, cwd, sources))
    : html`<p class="empty">No growth suspects${report.snapshots.length < 2 ? ' (growth needs two snapshots or more)' : ''}.</p>`
}

<h2>Top classes by retained size</h2>
<p>Newest snapshot, ${formatBytes(total)} of heap.</p>
${table(
  [
    { label: 'flat', cls: 'num' },
    { label: 'flat%', cls: 'num' },
    { label: 'sum%', cls: 'num' },
    { label: 'cum', cls: 'num' },
    { label: 'cum%', cls: 'num' },
    { label: 'count', cls: 'num' },
    { label: 'class', cls: 'code' },
  ],
  topRows,
)}

${
  report.largest.length
    ? html`<h2>Largest objects</h2>
${table(
  [{ label: 'retained', cls: 'num' }, { label: 'object', cls: 'code' }, { label: 'location', cls: 'code' }, { label: 'path', cls: 'code' }],
  report.largest.map((o) => [formatBytes(o.retainedBytes), `${o.label} @${o.nodeId}`, o.location ? formatPlace(o.location, cwd) : '—', o.retainerPath.join(' → ')]),
)}`
    : ''
}

${
  report.classDeltas.length
    ? html`<h2>Class changes, oldest → newest snapshot</h2>
${table(
  [{ label: 'shallow', cls: 'num' }, { label: 'retained', cls: 'num' }, { label: 'count', cls: 'num' }, { label: 'class', cls: 'code' }],
  report.classDeltas.map((d) => [formatDelta(d.shallowDelta), formatDelta(d.retainedDelta), formatCountDelta(d.countDelta), d.name]),
)}`
    : ''
}

<h2>Snapshots</h2>
${table(
  [
    { label: '#', cls: 'num' },
    { label: 'file', cls: 'code' },
    { label: 'taken at', cls: 'num' },
    { label: 'file size', cls: 'num' },
    { label: 'objects', cls: 'num' },
    { label: 'heap', cls: 'num' },
    { label: 'native', cls: 'num' },
    { label: 'new objects', cls: 'num' },
    { label: 'new bytes', cls: 'num' },
    { label: 'new, still alive', cls: 'num' },
  ],
  report.snapshots.map((s, k) => [
    String(k + 1),
    basename(s.file),
    run.snapshotTimesMs[k] === undefined ? '—' : formatSeconds(run.snapshotTimesMs[k]),
    formatBytes(s.fileBytes),
    formatCount(s.nodeCount),
    formatBytes(s.totalBytes),
    formatBytes(s.nativeBytes),
    orDash(s.newObjects, formatCount),
    orDash(s.newBytes, formatBytes),
    orDash(s.newStillAlive, formatCount),
  ]),
)}

${
  report.groups.length
    ? html`<h2>Groups</h2>
${table(
  [{ label: 'kind' }, { label: 'what' }, { label: 'location', cls: 'code' }, { label: 'count per snapshot', cls: 'num' }, { label: 'bytes per snapshot', cls: 'num' }],
  report.groups.map((g) => [g.kind, g.title, g.location ? formatPlace(g.location, cwd) : '—', g.counts.map(formatCount).join(' → '), g.bytes.map(formatBytes).join(' → ')]),
)}`
    : ''
}

<footer>Generated by Leakscope. This file is self-contained: it loads nothing and runs no code.</footer>
</main>
</body>
</html>
`;
  return page.text;
}
