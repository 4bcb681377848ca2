import { grown } from '../snapshot/columns.ts';
import { HeapGraph, SYSTEM_DISTANCE } from '../snapshot/graph.ts';
import { orderByKey } from '../snapshot/order.ts';
import { SourceLocator } from '../snapshot/locations.ts';
import { COLLECTION_KINDS, collectionOf } from './collections.ts';
import { collectGroups, Group, groupCandidates } from './groups.ts';
import { classCounts, classSummary, ClassTotals } from './summary.ts';

/**
 * What a comparison needs from one snapshot, small enough to keep for many snapshots
 * while only the newest graph stays in memory. Node ids are V8's, stable across the
 * snapshots of one process while its heap profiler stays enabled.
 */
export interface SnapshotDigest {
  nodeCount: number;
  edgeCount: number;
  totalBytes: number;
  nativeBytes: number;
  /** Every node id, ascending, and the node's retained size at the same position. */
  ids: Uint32Array;
  retainedById: Float32Array;
  shallowById: Float32Array;
  classes: ClassTotals[];
  /** The program's collections (by ascending id) with their entry counts. */
  collectionIds: Uint32Array;
  collectionEntries: Uint32Array;
  collectionKinds: Uint8Array;
  groups: Map<string, Group>;
  /** With allocation tracking over time: bytes still alive from each recorded interval. */
  timeline: Array<{ timeMs: number; liveBytes: number }> | null;
}

/** The part of a digest that needs no dominator tree, made while another thread builds it. */
export interface DigestStart {
  /** Node ordinals by ascending id. */
  order: Uint32Array;
  classes: Map<number, ClassTotals>;
  /** What the groups are made of (`groupCandidates`). */
  groupCandidates: Uint32Array;
  collectionIds: Uint32Array;
  collectionEntries: Uint32Array;
  collectionKinds: Uint8Array;
}

/**
 * Needs the graph's distances and final shallow sizes (HeapGraph's `beforeDominators`, which
 * lends `work`: nodes + 1 slots).
 */
export function startDigest(g: HeapGraph, work?: Uint32Array): DigestStart {
  const ids = g.raw.nodeId;
  const order = orderByKey(ids, work);
  // Typed and grown by doubling: a big heap has a million collections.
  let colIds = new Uint32Array(1024);
  let colEntries = new Uint32Array(1024);
  let colKinds = new Uint8Array(1024);
  let found = 0;
  for (let k = 0; k < order.length; k++) {
    const n = order[k];
    if (g.distance[n] >= SYSTEM_DISTANCE) continue;
    const collection = collectionOf(g, n);
    if (!collection || collection.entries === 0) continue;
    if (found === colIds.length) {
      colIds = grown(colIds);
      colEntries = grown(colEntries);
      colKinds = grown(colKinds);
    }
    colIds[found] = ids[n];
    colEntries[found] = collection.entries;
    colKinds[found++] = COLLECTION_KINDS.indexOf(collection.kind);
  }
  return {
    order,
    classes: classCounts(g),
    groupCandidates: groupCandidates(g),
    collectionIds: colIds.slice(0, found),
    collectionEntries: colEntries.slice(0, found),
    collectionKinds: colKinds.slice(0, found),
  };
}

/**
 * The rest, once the graph is built (`start` is used up). Its big arrays are made here
 * rather than in `startDigest`, where the other thread's work arrays still take their room.
 */
export function finishDigest(g: HeapGraph, start: DigestStart, locator: SourceLocator): SnapshotDigest {
  // The order becomes the ids, in place.
  const { order } = start;
  const ids = order;
  const retainedById = new Float32Array(g.nodeCount);
  const shallowById = new Float32Array(g.nodeCount);
  let nativeBytes = g.raw.extraNativeBytes;
  for (let k = 0; k < order.length; k++) {
    const n = order[k];
    ids[k] = g.raw.nodeId[n];
    retainedById[k] = g.retainedSize[n];
    shallowById[k] = g.selfSize[n];
    if (g.raw.nodeType[n] === g.nodeTypes.native) nativeBytes += g.selfSize[n];
  }
  return {
    nodeCount: g.nodeCount,
    edgeCount: g.edgeCount,
    totalBytes: g.retainedSize[g.rootOrdinal],
    nativeBytes,
    ids,
    retainedById,
    shallowById,
    classes: classSummary(g, start.classes),
    collectionIds: start.collectionIds,
    collectionEntries: start.collectionEntries,
    collectionKinds: start.collectionKinds,
    groups: collectGroups(g, locator, start.groupCandidates),
    timeline: allocationTimeline(g, ids, shallowById),
  };
}

export function digestSnapshot(g: HeapGraph, locator: SourceLocator): SnapshotDigest {
  return finishDigest(g, startDigest(g), locator);
}

/**
 * DevTools' allocation timeline: V8 samples (time, last id assigned) while tracking, so an
 * object's id tells when it was allocated. Sums what is still alive per interval.
 */
function allocationTimeline(g: HeapGraph, ids: Uint32Array, shallow: Float32Array): SnapshotDigest['timeline'] {
  const samples = g.raw.samples;
  if (!samples || samples.lastAssignedId.length === 0) return null;
  const { timestampUs, lastAssignedId } = samples;
  const live = new Float64Array(lastAssignedId.length);
  let interval = 0;
  for (let k = 0; k < ids.length; k++) {
    // JS objects have odd ids; even ids are native objects, outside the timeline.
    if (ids[k] % 2 === 0) continue;
    while (interval < lastAssignedId.length && ids[k] > lastAssignedId[interval]) interval++;
    if (interval === lastAssignedId.length) break;
    live[interval] += shallow[k];
  }
  return Array.from(live, (liveBytes, k) => ({ timeMs: timestampUs[k] / 1000, liveBytes }));
}

/** Position of `id` in an ascending id array, or -1. */
export function findId(sorted: Uint32Array, id: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid];
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** `findId` for ids asked in ascending order: one walk along `sorted` answers them all. */
export function idCursor(sorted: Uint32Array): (id: number) => number {
  let i = 0;
  return (id) => {
    while (i < sorted.length && sorted[i] < id) i++;
    return i < sorted.length && sorted[i] === id ? i : -1;
  };
}
