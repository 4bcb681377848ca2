import { basename } from 'node:path';
import type { AnalysisReport, Suspect } from '../analysis/report.ts';
import { SourceFiles } from '../analysis/source.ts';
import { growthSiteLine, moreSitesText, recordedFunction, SHOWN_SITES } from '../present/sites.ts';
import { excerptAround, Listing, listingTitle, listTopSite, marginText } from '../present/listing.ts';
import { formatPlace } from '../present/places.ts';
import { growthText, insideText, nowText, VERDICT_STAMP } from '../present/suspects.ts';
import { timelineBars, TimelineBars } from '../present/timeline.ts';
import { formatBytes, formatCount, formatCountDelta, formatDelta, formatPercent, formatSeconds } from '../present/units.ts';

function pad(s: string, width: number): string {
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}

/** An excerpt under a suspect: bytes (or an arrow) in the margin, then the line number and the line. */
function listingLines(listing: Listing): string[] {
  return listing.map((l) => (l ? `     ${pad(marginText(l), 7)} ${pad(String(l.line), 4)}  ${l.text}` : `${' '.repeat(17)}⋮`).trimEnd());
}

function suspectLines(s: Suspect, index: number, cwd: string, sources: SourceFiles): string[] {
  const lines = [`${pad(String(index + 1), 3)}. ${s.title}`, `     grew ${growthText(s)}; now ${nowText(s)}`, `     at ${formatPlace(s.location, cwd)}`];
  const excerpt = s.location && excerptAround(s.location, sources);
  if (excerpt) lines.push(...listingLines(excerpt));
  if (s.inside) lines.push(`     inside: ${insideText(s.inside)}${s.inside.location ? ` at ${formatPlace(s.inside.location, cwd)}` : ''}`);
  if (s.allocatedIn) lines.push(`     allocated in ${recordedFunction(s.allocatedIn.functionName)} at ${formatPlace(s.allocatedIn, cwd)}`);
  if (s.retainerPath.length) lines.push(`     held by: ${s.retainerPath.join(' → ')}`);
  for (const site of s.growthSites.slice(0, SHOWN_SITES)) lines.push(`     ${growthSiteLine(site, s, cwd)}`);
  const more = moreSitesText(s);
  if (more) lines.push(`     ${more}`);
  const top = s.growthSites[0];
  const listing = listTopSite(s, sources);
  if (top && listing) lines.push(`     ${listingTitle(top, listing, cwd)}:`, ...listingLines(listing));
  if (s.growthSitesNote) lines.push(`     note: ${s.growthSitesNote}`);
  lines.push(`     fix: ${s.hint}`);
  return lines;
}

const LEVELS = '▁▂▃▄▅▆▇█';

/** The allocation timeline as a row of block characters, one per bar (a space where nothing is held). */
function timelineLines({ stepMs, bars, beforeBytes }: TimelineBars): string[] {
  const max = Math.max(...bars);
  const row = bars.map((b) => (b > 0 ? LEVELS[Math.min(LEVELS.length - 1, Math.floor((b / max) * LEVELS.length))] : ' ')).join('');
  const held = bars.reduce((a, b) => a + b, 0);
  return [
    `Still held in the newest snapshot, by when it was allocated (${formatSeconds(stepMs)} a bar since tracking started):`,
    `  ${row}  ${formatBytes(held)}; ${formatBytes(beforeBytes)} more from before tracking started`,
  ];
}

/** The pprof-like text report: verdict, suspects with paths and source, then top classes and objects. */
export function formatTextReport(report: AnalysisReport, cwd = process.cwd(), afterVerdict = ''): string {
  const sources = new SourceFiles();
  const out: string[] = [];
  const first = report.snapshots[0];
  const last = report.snapshots[report.snapshots.length - 1];
  const count = report.snapshots.length;
  const native = report.snapshots.some((s) => s.nativeBytes > 0);
  out.push(
    count === 0
      ? 'No snapshot taken'
      : count === 1
      ? `Snapshot ${basename(first.file)}: ${formatBytes(last.totalBytes)} of heap, ${formatCount(last.nodeCount)} objects${native ? `; native memory ${formatBytes(last.nativeBytes)}` : ''}`
      : `${count} snapshots, ${basename(first.file)} → ${basename(last.file)}: heap ${formatBytes(first.totalBytes)} → ${formatBytes(last.totalBytes)} (${formatDelta(last.totalBytes - first.totalBytes)})` +
          (native ? `; native memory ${formatBytes(first.nativeBytes)} → ${formatBytes(last.nativeBytes)}` : ''),
  );
  out.push('', `Verdict: ${VERDICT_STAMP[report.verdict]} — ${report.verdictReason}`);
  if (afterVerdict) out.push('', afterVerdict.trimEnd());
  if (report.notes.length) out.push('', ...report.notes.map((note) => `Note: ${note}`));
  // A watch whose program's memory stayed flat: its readings are all there is.
  if (count === 0) return out.join('\n') + '\n';

  if (count > 1) {
    out.push('', report.suspects.length ? 'Growth suspects, most likely first:' : 'Growth suspects: none');
    report.suspects.forEach((s, k) => out.push(...suspectLines(s, k, cwd, sources), ''));
    const survivors = report.snapshots.slice(1).map((s) => `${formatCount(s.newObjects ?? 0)} new (${formatBytes(s.newBytes ?? 0)}), ${formatCount(s.newStillAlive ?? 0)} still alive`);
    out.push(`New objects per interval: ${survivors.join('; ')}`);
  }
  const timeline = timelineBars(last.allocationTimeline, 40);
  if (timeline) out.push('', ...timelineLines(timeline));

  const total = last.totalBytes;
  out.push('', `Top classes by retained size (newest snapshot, ${formatBytes(total)}):`);
  out.push(`${pad('flat', 10)} ${pad('flat%', 6)} ${pad('sum%', 6)} ${pad('cum', 10)} ${pad('cum%', 6)} ${pad('count', 9)}  class`);
  let sum = 0;
  for (const row of report.top) {
    sum += row.shallowBytes;
    out.push(
      `${pad(formatBytes(row.shallowBytes), 10)} ${pad(formatPercent(row.shallowBytes, total), 6)} ${pad(formatPercent(sum, total), 6)} ${pad(formatBytes(row.retainedBytes), 10)} ${pad(formatPercent(row.retainedBytes, total), 6)} ${pad(formatCount(row.count), 9)}  ${row.name}`,
    );
  }

  if (report.largest.length) {
    out.push('', 'Largest objects (retained size):');
    for (const o of report.largest.slice(0, 10)) {
      out.push(`${pad(formatBytes(o.retainedBytes), 10)}  ${o.label} @${o.nodeId}${o.location ? `  (${formatPlace(o.location, cwd)})` : ''}`);
      out.push(`${' '.repeat(12)}${o.retainerPath.join(' → ')}`);
    }
  }

  if (count > 1 && report.classDeltas.length) {
    out.push('', 'Class changes, oldest → newest snapshot:');
    for (const d of report.classDeltas.slice(0, 10)) {
      out.push(`${pad(formatDelta(d.shallowDelta), 10)} ${pad(formatCountDelta(d.countDelta), 9)}  ${d.name}`);
    }
  }
  return out.join('\n') + '\n';
}
