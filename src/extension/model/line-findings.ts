import type { GrowthSite, SourceRef, Suspect } from '../../analysis/report.ts';
import { functionText, stackLines } from '../../present/sites.ts';
import { countUnit, holderName } from '../../present/suspects.ts';
import { formatBytes, formatCount, formatCountDelta, formatDelta } from '../../present/units.ts';
import { Findings } from './findings.ts';
import { escapeMarkdown } from './markdown.ts';
import { suspectId } from './suspect-items.ts';

/** What Leakscope knows about one line of a file: a CodeLens text and its hover. A line may have several. */
export interface LineFinding {
  /** 1-based. */
  line: number;
  text: string;
  /** The Suspects row to reveal on click, when a suspect sits on this line or grows here. */
  suspectId: string | null;
  /** Retainer paths of what is held here, for the hover. */
  paths: string[][];
  /** For a growth site: its allocation stack (a heading, then a frame per line), for the hover; else []. */
  stack: string[];
}

interface Tally {
  retained: number;
  count: number | null;
  unit: 'entries' | 'objects';
  growth: number | null;
  inuse: number | null;
  alloc: number | null;
  suspectId: string | null;
  paths: string[][];
}

function samePlace(ref: SourceRef | null, file: string): ref is SourceRef {
  return ref !== null && ref.file === file;
}

/**
 * A growth site's lens: `Leakscope: +30,700 entries added here to sessions · +37 MB`; a
 * static one says what it writes into and how fast that grows.
 */
function siteText(site: GrowthSite, s: Suspect): string {
  const holder = holderName(s);
  if (site.bytes === null) return `Leakscope: writes into ${holder} (growing ${formatDelta(s.growthBytes)})`;
  const here = site.exact ? 'here' : `in ${functionText(site.functionName)}`;
  return site.count
    ? `Leakscope: ${formatCountDelta(site.count)} ${countUnit(s.kind)} added ${here} to ${holder} · ${formatDelta(site.bytes)}`
    : `Leakscope: ${formatDelta(site.bytes)} added ${here} to ${holder}`;
}

/**
 * The lines of `file` that hold memory or feed a leak, from one analysis: retained bytes and
 * object counts of suspects and of the largest objects, growth since the first snapshot, the
 * sampled allocation rates (pprof's inuse and alloc) of functions starting there, and each
 * suspect's growth sites.
 */
export function lineFindings(findings: Findings | null, file: string): LineFinding[] {
  if (!findings) return [];
  const lines = new Map<number, Tally>();
  const at = (line: number) => {
    let tally = lines.get(line);
    if (!tally) lines.set(line, (tally = { retained: 0, count: null, unit: 'objects', growth: null, inuse: null, alloc: null, suspectId: null, paths: [] }));
    return tally;
  };
  const sites: LineFinding[] = [];
  findings.report.suspects.forEach((s, rank) => {
    // A suspect's sites on one line (at several columns) make one lens; the first is its biggest.
    const byLine = new Map<number, GrowthSite[]>();
    for (const site of s.growthSites) if (site.file === file) byLine.set(site.line, [...(byLine.get(site.line) ?? []), site]);
    for (const [line, onLine] of byLine) {
      const sum = (value: (site: GrowthSite) => number | null) =>
        onLine.some((site) => value(site) !== null) ? onLine.reduce((total, site) => total + (value(site) ?? 0), 0) : null;
      const merged = { ...onLine[0], bytes: sum((site) => site.bytes), count: sum((site) => site.count) };
      sites.push({ line, text: siteText(merged, s), suspectId: suspectId(findings, rank), paths: [], stack: stackLines(onLine[0]) });
    }
    if (!samePlace(s.location, file)) return;
    const tally = at(s.location.line);
    tally.retained += s.retainedBytes;
    if (s.count !== null) tally.count = (tally.count ?? 0) + s.count;
    if (countUnit(s.kind) === 'entries') tally.unit = 'entries';
    tally.growth = (tally.growth ?? 0) + s.growthBytes;
    tally.suspectId ??= suspectId(findings, rank);
    tally.paths.push(s.retainerPath);
  });
  for (const o of findings.report.largest) {
    if (!samePlace(o.location, file)) continue;
    const tally = at(o.location.line);
    // A suspect on the line already counts what it holds; the largest objects are often the same ones.
    if (tally.suspectId !== null) continue;
    tally.retained = Math.max(tally.retained, o.retainedBytes);
    tally.paths.push(o.retainerPath);
  }
  for (const site of findings.sites) {
    if (site.file !== file) continue;
    const tally = at(site.line);
    tally.inuse = (tally.inuse ?? 0) + site.inuseBytesPerSec;
    tally.alloc = (tally.alloc ?? 0) + site.allocBytesPerSec;
  }
  const multiple = findings.files.length > 1;
  const held = [...lines.entries()].map(([line, t]): LineFinding => {
    const parts: string[] = [];
    if (t.retained > 0) parts.push(`${formatBytes(t.retained)} retained`);
    if (t.count !== null) parts.push(`${formatCount(t.count)} ${t.unit}`);
    if (t.growth !== null && multiple) parts.push(`${formatDelta(t.growth)} since #1`);
    if (t.inuse !== null) parts.push(`inuse ${formatBytes(t.inuse)}/s`);
    if (t.alloc !== null) parts.push(`alloc ${formatBytes(t.alloc)}/s`);
    return { line, text: `Leakscope: ${parts.join(' · ')}`, suspectId: t.suspectId, paths: t.paths, stack: [] };
  });
  // By line; on a line, what is held there before what grows there. The sort is stable.
  return [...held, ...sites].sort((a, b) => a.line - b.line);
}

/**
 * The hover over a line, as Markdown: each finding's text, what holds it, and for a growth
 * site its allocation stack, a frame per line. Everything from the program is escaped.
 */
export function hoverMarkdown(found: LineFinding[]): string {
  return found
    .map((finding) => {
      const parts = [`**${escapeMarkdown(finding.text)}**`, ...finding.paths.slice(0, 3).map((path) => `Held by: ${path.map(escapeMarkdown).join(' → ')}`)];
      // A Markdown hard break (two spaces) ends each frame's line.
      if (finding.stack.length) parts.push(finding.stack.map((line) => escapeMarkdown(line.trim())).join('  \n'));
      return parts.join('\n\n');
    })
    .join('\n\n---\n\n');
}
