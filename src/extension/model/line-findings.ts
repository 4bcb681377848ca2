import type { SourceRef } from '../../analysis/report.ts';
import { formatBytes, formatCount, formatDelta } from '../../analysis/units.ts';
import { Findings } from './findings.ts';
import { suspectId } from './suspect-items.ts';

/** What Leakscope knows about one line of a file: the CodeLens text and the hover. */
export interface LineFinding {
  /** 1-based. */
  line: number;
  text: string;
  /** The Suspects row to reveal on click, when a suspect sits on this line. */
  suspectId: string | null;
  /** Retainer paths of what is held here, for the hover. */
  paths: string[][];
}

interface Tally {
  retained: number;
  count: number | null;
  /** Collections count entries; the rest, objects. */
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
 * The lines of `file` that hold memory, from one analysis: retained bytes and object
 * counts of suspects and of the largest objects, growth since the first snapshot, and the
 * sampled allocation rates (pprof's inuse and alloc) of functions starting there.
 */
export function lineFindings(findings: Findings | null, file: string): LineFinding[] {
  if (!findings) return [];
  const lines = new Map<number, Tally>();
  const at = (line: number) => {
    let tally = lines.get(line);
    if (!tally) lines.set(line, (tally = { retained: 0, count: null, unit: 'objects', growth: null, inuse: null, alloc: null, suspectId: null, paths: [] }));
    return tally;
  };
  findings.report.suspects.forEach((s, rank) => {
    if (!samePlace(s.location, file)) return;
    const tally = at(s.location.line);
    tally.retained += s.retainedBytes;
    if (s.count !== null) tally.count = (tally.count ?? 0) + s.count;
    if (s.kind === 'collection' || s.kind === 'listeners') tally.unit = 'entries';
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
  return [...lines.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([line, t]) => {
      const parts: string[] = [];
      if (t.retained > 0) parts.push(`${formatBytes(t.retained)} retained`);
      if (t.count !== null) parts.push(`${formatCount(t.count)} ${t.unit}`);
      if (t.growth !== null && multiple) parts.push(`${formatDelta(t.growth)} since #1`);
      if (t.inuse !== null) parts.push(`inuse ${formatBytes(t.inuse)}/s`);
      if (t.alloc !== null) parts.push(`alloc ${formatBytes(t.alloc)}/s`);
      return { line, text: `Leakscope: ${parts.join(' · ')}`, suspectId: t.suspectId, paths: t.paths };
    });
}
