// How a verdict and a growth suspect read, in every view: the CLI's text and HTML reports, the
// Suspects tree, CodeLens.
import type { Suspect, SuspectKind, Verdict } from '../analysis/report.ts';
import { codeOwner, shortPlace } from './places.ts';
import { formatBytes, formatCount, formatCountDelta, formatDelta } from './units.ts';

/**
 * The verdict as a stamp, for the reports: upper case stands out in a CI log and is what
 * scripts and the README match on.
 */
export const VERDICT_STAMP: Record<Verdict, string> = { leak: 'LEAK', 'no-leak': 'NO LEAK', inconclusive: 'INCONCLUSIVE' };

/**
 * The verdict in words, for the editor: there the next snapshot is one click away, so an
 * inconclusive verdict says what to do rather than what it is.
 */
export function verdictLabel(verdict: Verdict): string {
  return verdict === 'leak' ? 'Leak' : verdict === 'no-leak' ? 'No leak' : 'Need another snapshot';
}

/** Collections and listener lists count entries; timers, async functions and the rest count objects. */
export function countUnit(kind: SuspectKind): 'entries' | 'objects' {
  return kind === 'collection' || kind === 'listeners' ? 'entries' : 'objects';
}

/** Bytes and, when known, the count: `+31 MB (+13,200 entries)`. */
export function amountText(kind: SuspectKind, bytes: number, count: number | null): string {
  return count ? `${formatDelta(bytes)} (${formatCountDelta(count)} ${countUnit(kind)})` : formatDelta(bytes);
}

/** How long the snapshots span, in words: " in 20 s", " in 3 min"; '' without times. */
function spanText(timesMs: number[] | null): string {
  if (!timesMs || timesMs.length < 2) return '';
  const seconds = (timesMs[timesMs.length - 1] - timesMs[0]) / 1000;
  return seconds < 120 ? ` in ${Math.round(seconds)} s` : ` in ${Math.round(seconds / 60)} min`;
}

/** What it gained since the first snapshot: `+31 MB (+13,200 entries)`, then ` in 20 s` when the times are known. */
export function growthText(s: Suspect, timesMs: number[] | null = null): string {
  return `${amountText(s.kind, s.growthBytes, s.countGrowth)}${spanText(timesMs)}`;
}

/** A watch's alert once the snapshots show a leak: `leak suspected: Map \`sessions\` keeps growing, +40 MB (+17,000 entries) in 10 min`. */
export function leakAlertText(s: Suspect, timesMs: number[]): string {
  return `leak suspected: ${s.title}, ${growthText(s, timesMs)}`;
}

/** What it holds now: `43 MB, 18,500 entries (36 MB outside the JS heap)`. */
export function nowText(s: Suspect): string {
  const parts = [formatBytes(s.retainedBytes)];
  if (s.count !== null) parts.push(`${formatCount(s.count)} ${countUnit(s.kind)}`);
  return `${parts.join(', ')}${s.externalBytes ? ` (${formatBytes(s.externalBytes)} outside the JS heap)` : ''}`;
}

const GROUP_NOUN: Record<'timers' | 'async' | 'promises' | 'external', string> = {
  timers: 'timers',
  async: 'suspended functions',
  promises: 'pending promises',
  external: 'ArrayBuffers',
};

/**
 * A suspect in a few words, for a narrow row: `Map sessions`, `listeners on bus`,
 * `timers at app.js:19`. The title says the rest, in the tooltip.
 */
export function suspectName(s: Suspect): string {
  const holder = s.heldBy ?? (s.nodeId !== null ? `@${s.nodeId}` : null);
  switch (s.kind) {
    case 'collection':
      return holder ? `${s.className ?? 'collection'} ${holder}` : s.title;
    case 'listeners':
      return holder ? `listeners on ${holder}` : s.title;
    case 'subtree':
      return holder ? `subtree via ${holder}` : s.title;
    default:
      return s.location ? `${GROUP_NOUN[s.kind]} at ${shortPlace(s.location)}` : s.title;
  }
}

/** What the program calls the thing that grows: `sessions`, else its short name. */
export function holderName(s: Suspect): string {
  return s.heldBy ?? suspectName(s);
}

/** The dependency's own holder, when the growing object is made inside one: `prom-client's Counter .hashMap`. */
export function insideText(inside: NonNullable<Suspect['inside']>): string {
  const owner = inside.location ? codeOwner(inside.location.file) : null;
  return `${owner ? `${owner}'s ` : ''}${inside.heldBy ?? 'an object'}`;
}
