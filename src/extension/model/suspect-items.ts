import type { Suspect } from '../../analysis/report.ts';
import { formatBytes, formatCount, formatDelta } from '../../analysis/units.ts';
import { Findings, spanText, verdictLabel } from './findings.ts';
import { Item, shortPlace } from './item.ts';

const KIND_ICON: Record<Suspect['kind'], string> = {
  collection: 'symbol-array',
  listeners: 'broadcast',
  subtree: 'type-hierarchy',
  timers: 'watch',
  async: 'sync',
  promises: 'debug-pause',
  external: 'database',
};

export function suspectId(findings: Findings, rank: number): string {
  return `${findings.key}/suspect/${rank}`;
}

/** "+4.1 MB (+2,000 entries) in 20 s · 12.4 MB": what grew, by how much, and what it holds now. */
export function growthText(s: Suspect, timesMs: number[] | null): string {
  const unit = s.kind === 'collection' || s.kind === 'listeners' ? 'entries' : 'objects';
  const count = s.countGrowth !== null ? ` (${s.countGrowth >= 0 ? '+' : ''}${formatCount(s.countGrowth)} ${unit})` : '';
  return `${formatDelta(s.growthBytes)}${count}${spanText(timesMs)} · ${formatBytes(s.retainedBytes)}`;
}

/** The Suspects view: the verdict, then the suspects by rank, each with its retainer path. */
export function suspectItems(findings: Findings | null): Item[] {
  if (!findings) return [];
  const { key, report } = findings;
  const verdict: Item = {
    id: `${key}/verdict`,
    label: `${verdictLabel(findings.verdict)}: ${findings.verdictReason}`,
    tooltip: `${findings.title}\n${findings.verdictReason}`,
    icon: findings.verdict === 'leak' ? 'error' : findings.verdict === 'no-leak' ? 'pass' : 'info',
    contextValue: 'verdict',
    children: findings.notes.map((note, k) => ({ id: `${key}/note/${k}`, label: note, tooltip: note, icon: 'warning' })),
  };
  return [verdict, ...report.suspects.map((s, rank) => suspectItem(findings, s, rank))];
}

function suspectItem(findings: Findings, s: Suspect, rank: number): Item {
  const id = suspectId(findings, rank);
  // Nearest holder first, as DevTools lists retainers: the program's own reference shows at once,
  // the long way from the GC roots through Node's internals comes after.
  const steps = s.retainerPath.map((text, k) => ({ text, location: s.retainerLocations[k] ?? null, k })).reverse();
  const path: Item = {
    id: `${id}/path`,
    label: 'Held by (nearest first, up to the GC roots)',
    icon: 'references',
    expanded: true,
    children: steps.map(({ text, location, k }) => ({
      id: `${id}/path/${k}`,
      label: text,
      description: location ? shortPlace(location) : undefined,
      tooltip: text,
      location,
      icon: location ? 'go-to-file' : 'circle-small',
    })),
  };
  const children: Item[] = [path];
  if (s.allocatedIn) {
    children.push({
      id: `${id}/allocated`,
      label: `Allocated in ${s.allocatedIn.functionName}`,
      description: shortPlace(s.allocatedIn),
      location: s.allocatedIn,
      icon: 'symbol-function',
    });
  }
  children.push({ id: `${id}/hint`, label: s.hint, tooltip: s.hint, icon: 'lightbulb' });
  return {
    id,
    label: `${rank + 1}. ${s.title}`,
    description: growthText(s, findings.timesMs),
    tooltip: [s.title, growthText(s, findings.timesMs), s.location ? shortPlace(s.location) : '', s.hint].filter(Boolean).join('\n'),
    icon: KIND_ICON[s.kind],
    location: s.location,
    contextValue: 'suspect',
    children,
  };
}
