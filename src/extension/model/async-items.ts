import type { SourceRef } from '../../analysis/report.ts';
import { formatCount, formatCountDelta } from '../../present/units.ts';
import type { AsyncDump } from '../../inspector/async-tracker.ts';
import { frameLocation } from '../../inspector/async-tracker.ts';
import { shortPlace } from '../../present/places.ts';
import { Item } from './item.ts';

/** A frame's place in the program, source-mapped; null for frames without a file position. */
export type FrameResolver = (location: { file: string; line: number; column: number }) => SourceRef | null;

interface Group {
  type: string;
  frames: string[];
  /** One per dump, oldest first. */
  counts: number[];
}

/** The same (type, creation stack) across dumps, with its count in each. */
export function groupAcrossDumps(dumps: AsyncDump[]): Group[] {
  const byKey = new Map<string, Group>();
  dumps.forEach((dump, k) => {
    for (const g of dump.groups ?? []) {
      const key = `${g.type}\n${g.frames.join('\n')}`;
      let group = byKey.get(key);
      if (!group) byKey.set(key, (group = { type: g.type, frames: g.frames, counts: new Array<number>(dumps.length).fill(0) }));
      group.counts[k] = g.count;
    }
  });
  return [...byKey.values()].sort((a, b) => b.counts[b.counts.length - 1] - a.counts[a.counts.length - 1]);
}

function countsText(counts: number[]): string {
  const now = counts[counts.length - 1];
  if (counts.length < 2) return formatCount(now);
  return `${counts.map(formatCount).join(' → ')} (${formatCountDelta(now - counts[0])})`;
}

/**
 * Async Resources: live resources by type, then by where they were created, with their
 * count at each dump; "thousands stuck on the same line" shows as one row.
 */
export function asyncItems(sessionKey: string, dumps: AsyncDump[], resolve: FrameResolver): Item[] {
  const last = dumps[dumps.length - 1];
  if (!last) return [];
  const groups = groupAcrossDumps(dumps);
  const types = [...new Set(groups.map((g) => g.type))];
  const items: Item[] = types.map((type) => {
    const ofType = groups.filter((g) => g.type === type);
    const totals = dumps.map((_, k) => ofType.reduce((sum, g) => sum + g.counts[k], 0));
    return {
      id: `${sessionKey}/async/${type}`,
      label: type,
      description: countsText(totals),
      icon: 'symbol-event',
      expanded: types.length <= 3,
      children: ofType.map((g, k) => groupItem(`${sessionKey}/async/${type}/${k}`, g, resolve)),
    };
  });
  if (last.groups === null) {
    items.push({ id: `${sessionKey}/async/untracked`, label: 'Creation stacks are off (leakscope.asyncTracking.enabled)', icon: 'info' });
  }
  const active = Object.entries(last.active).sort((a, b) => b[1] - a[1]);
  if (active.length) {
    items.push({
      id: `${sessionKey}/async/active`,
      label: 'Keeping the event loop alive',
      description: active.map(([type, n]) => `${type} ${formatCount(n)}`).join(', '),
      icon: 'debug-alt',
      children: active.map(([type, n]) => ({ id: `${sessionKey}/async/active/${type}`, label: type, description: formatCount(n) })),
    });
  }
  return items;
}

function groupItem(id: string, g: Group, resolve: FrameResolver): Item {
  const places = g.frames.map((frame) => {
    const at = frameLocation(frame);
    return at ? resolve(at) : null;
  });
  const location = places.find((p) => p !== null) ?? null;
  return {
    id,
    label: location ? shortPlace(location) : (g.frames[0] ?? '(no stack)'),
    description: countsText(g.counts),
    tooltip: `${g.type} created at\n${g.frames.join('\n')}`,
    icon: 'location',
    location,
    contextValue: 'asyncGroup',
    children: g.frames.map((frame, k) => ({ id: `${id}/${k}`, label: frame, location: places[k], icon: places[k] ? 'go-to-file' : 'circle-small' })),
  };
}
