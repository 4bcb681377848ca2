import { HeapGraph, SYSTEM_DISTANCE } from '../snapshot/graph.ts';

export interface ClassTotals {
  name: string;
  count: number;
  /** Sum of shallow sizes ("flat"). */
  shallow: number;
  /** Memory freed if every object of the class went away ("cum"), nested members counted once. */
  retained: number;
}

/** Count and shallow size per class (constructor name), by class string index: no dominators needed. */
export function classCounts(g: HeapGraph): Map<number, ClassTotals> {
  const byClass = new Map<number, ClassTotals>();
  const { selfSize } = g;
  for (let n = 0; n < g.nodeCount; n++) {
    if (selfSize[n] === 0 || n === g.rootOrdinal) continue;
    const k = g.classIndexOf(n);
    let totals = byClass.get(k);
    if (!totals) {
      totals = { name: g.string(k), count: 0, shallow: 0, retained: 0 };
      byClass.set(k, totals);
    }
    totals.count++;
    totals.shallow += selfSize[n];
  }
  return byClass;
}

/**
 * Totals per class, with `byClass` from `classCounts`. Retained sizes follow DevTools: an
 * object counts only when no dominator above it is of the same class, so a linked list of
 * Nodes is not counted once per link.
 */
export function classSummary(g: HeapGraph, byClass = classCounts(g)): ClassTotals[] {
  const retained = g.classRetainedSizes();
  for (const [k, totals] of byClass) totals.retained = retained[k];
  return [...byClass.values()].sort((a, b) => b.retained - a.retained || b.shallow - a.shallow);
}

/**
 * The objects that hold the most memory, leaving out the roots and V8's bookkeeping. A
 * chain of dominators that all retain about the same (a timer list → its timer → the
 * callback → its scope → a Map) is shown by its deepest member, the most specific one.
 */
export function largestObjects(g: HeapGraph, limit: number): number[] {
  const { synthetic, hidden, array, code } = g.nodeTypes;
  const shape = g.nodeTypes['object shape'];
  const pool = limit * 4;
  const picked: number[] = [];
  let floor = 0;
  for (let n = 0; n < g.nodeCount; n++) {
    // Size first: once the pool is full, nearly every node is too small.
    const size = g.retainedSize[n];
    if (picked.length === pool && size <= floor) continue;
    const t = g.raw.nodeType[n];
    if (t === synthetic || t === hidden || t === array || t === code || t === shape) continue;
    // The global objects (distance 1) hold nearly everything: they are where paths start.
    if (g.distance[n] >= SYSTEM_DISTANCE || g.distance[n] <= 1) continue;
    picked.push(n);
    if (picked.length > pool) {
      picked.sort((a, b) => g.retainedSize[b] - g.retainedSize[a]);
      picked.length = pool;
      floor = g.retainedSize[picked[pool - 1]];
    }
  }
  const inPool = new Set(picked);
  const covered = new Set<number>();
  for (const n of picked) {
    // Walk up the dominators: an ancestor that retains little more than n is shown as n.
    for (let d = g.dominator[n], guard = 0; d !== g.rootOrdinal && guard < 1000; d = g.dominator[d], guard++) {
      if (g.retainedSize[n] < 0.9 * g.retainedSize[d]) break;
      if (inPool.has(d)) covered.add(d);
    }
  }
  return picked
    .filter((n) => !covered.has(n))
    .sort((a, b) => g.retainedSize[b] - g.retainedSize[a])
    .slice(0, limit);
}
