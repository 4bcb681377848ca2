import { basename, relative } from 'node:path';
import type { AnalysisReport, SourceRef, Suspect } from '../analysis/report.ts';
import { SourceFiles } from '../analysis/source.ts';
import { formatBytes, formatCount, formatDelta } from '../analysis/units.ts';

const VERDICT_LABEL = { leak: 'LEAK', 'no-leak': 'NO LEAK', inconclusive: 'INCONCLUSIVE' } as const;

/** `file:line:column`, relative to `cwd` when the file is below it. */
export function where(ref: SourceRef | null, cwd: string): string {
  if (!ref) return 'location unknown';
  const file = ref.file.startsWith('/') ? relative(cwd, ref.file) || ref.file : ref.file;
  return `${file.startsWith('..') ? ref.file : file}:${ref.line}:${ref.column}`;
}

function pad(s: string, width: number): string {
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '-';
}

/** A `list`-style excerpt: the line and two around it, the line marked. */
function excerpt(ref: SourceRef, sources: SourceFiles): string[] {
  const lines = sources.read(ref.file);
  if (!lines) return [];
  const out: string[] = [];
  for (let k = Math.max(1, ref.line - 2); k <= Math.min(lines.length, ref.line + 2); k++) {
    out.push(`      ${k === ref.line ? '→' : ' '} ${pad(String(k), 4)}  ${lines[k - 1].slice(0, 100)}`);
  }
  return out;
}

function suspectLines(s: Suspect, index: number, cwd: string, sources: SourceFiles): string[] {
  const growth = [formatDelta(s.growthBytes)];
  if (s.countGrowth !== null && s.countGrowth !== 0) {
    const unit = s.kind === 'collection' || s.kind === 'listeners' ? 'entries' : 'objects';
    growth.push(`${s.countGrowth > 0 ? '+' : ''}${formatCount(s.countGrowth)} ${unit}`);
  }
  const now = [formatBytes(s.retainedBytes)];
  if (s.count !== null) now.push(`${formatCount(s.count)} ${s.kind === 'collection' || s.kind === 'listeners' ? 'entries' : 'live'}`);
  const lines = [
    `${pad(String(index + 1), 3)}. ${s.title}`,
    `     grew ${growth.join(', ')}; now ${now.join(', ')}${s.externalBytes ? ` (${formatBytes(s.externalBytes)} outside the JS heap)` : ''}`,
    `     at ${where(s.location, cwd)}`,
  ];
  if (s.location) lines.push(...excerpt(s.location, sources));
  if (s.allocatedIn) lines.push(`     allocated in ${s.allocatedIn.functionName || '(anonymous)'}() at ${where(s.allocatedIn, cwd)}`);
  if (s.retainerPath.length) lines.push(`     held by: ${s.retainerPath.join(' → ')}`);
  lines.push(`     fix: ${s.hint}`);
  return lines;
}

/** The pprof-like text report: verdict, suspects with paths and source, then top classes and objects. */
export function formatTextReport(report: AnalysisReport, cwd = process.cwd(), afterVerdict = ''): string {
  const sources = new SourceFiles();
  const out: string[] = [];
  const first = report.snapshots[0];
  const last = report.snapshots[report.snapshots.length - 1];
  const count = report.snapshots.length;
  out.push(
    count === 1
      ? `Snapshot ${basename(first.file)}: ${formatBytes(last.totalBytes)} of heap, ${formatCount(last.nodeCount)} objects`
      : `${count} snapshots, ${basename(first.file)} → ${basename(last.file)}: heap ${formatBytes(first.totalBytes)} → ${formatBytes(last.totalBytes)} (${formatDelta(last.totalBytes - first.totalBytes)})`,
  );
  out.push('', `Verdict: ${VERDICT_LABEL[report.verdict]} — ${report.verdictReason}`);
  if (afterVerdict) out.push('', afterVerdict.trimEnd());

  if (count > 1) {
    out.push('', report.suspects.length ? 'Growth suspects, most likely first:' : 'Growth suspects: none');
    report.suspects.forEach((s, k) => out.push(...suspectLines(s, k, cwd, sources), ''));
    const survivors = report.snapshots.slice(1).map((s) => `${formatCount(s.newObjects ?? 0)} new, ${formatCount(s.newStillAlive ?? 0)} still alive`);
    out.push(`New objects per interval: ${survivors.join('; ')}`);
  }

  const total = last.totalBytes;
  out.push('', `Top classes by retained size (newest snapshot, ${formatBytes(total)}):`);
  out.push(`${pad('flat', 10)} ${pad('flat%', 6)} ${pad('sum%', 6)} ${pad('cum', 10)} ${pad('cum%', 6)} ${pad('count', 9)}  class`);
  let sum = 0;
  for (const row of report.top) {
    sum += row.shallowBytes;
    out.push(
      `${pad(formatBytes(row.shallowBytes), 10)} ${pad(percent(row.shallowBytes, total), 6)} ${pad(percent(sum, total), 6)} ${pad(formatBytes(row.retainedBytes), 10)} ${pad(percent(row.retainedBytes, total), 6)} ${pad(formatCount(row.count), 9)}  ${row.name}`,
    );
  }

  if (report.largest.length) {
    out.push('', 'Largest objects (retained size):');
    for (const o of report.largest.slice(0, 10)) {
      out.push(`${pad(formatBytes(o.retainedBytes), 10)}  ${o.label} @${o.nodeId}${o.location ? `  (${where(o.location, cwd)})` : ''}`);
      out.push(`${' '.repeat(12)}${o.retainerPath.join(' → ')}`);
    }
  }

  if (count > 1 && report.classDeltas.length) {
    out.push('', 'Class changes, oldest → newest snapshot:');
    for (const d of report.classDeltas.slice(0, 10)) {
      out.push(`${pad(formatDelta(d.shallowDelta), 10)} ${pad((d.countDelta >= 0 ? '+' : '') + formatCount(d.countDelta), 9)}  ${d.name}`);
    }
  }
  return out.join('\n') + '\n';
}
