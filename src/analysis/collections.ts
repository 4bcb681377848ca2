import { HeapGraph } from '../snapshot/graph.ts';

export type CollectionKind = 'Map' | 'Set' | 'Array' | 'Object' | 'listeners';
export const COLLECTION_KINDS: readonly CollectionKind[] = ['Map', 'Set', 'Array', 'Object', 'listeners'];

/** An object counts as a dictionary once it has this many own properties. */
const DICTIONARY_MIN_PROPERTIES = 32;

/** Entries of a Map/Set: its hash table's slots that hold objects (numbers stored inline have no edge). */
function tableEntries(g: HeapGraph, n: number, perEntry: number): number {
  const table = g.child(n, 'table');
  if (table < 0) return 0;
  let slots = 0;
  for (let e = g.firstEdge[table]; e < g.firstEdge[table + 1]; e++) {
    if (g.raw.edgeType[e] === g.edgeTypes.internal && g.edgeName(e) !== 'map') slots++;
  }
  return Math.ceil(slots / perEntry);
}

function countEdges(g: HeapGraph, n: number, type: number, skipProto = false): number {
  let count = 0;
  for (let e = g.firstEdge[n]; e < g.firstEdge[n + 1]; e++) {
    if (g.raw.edgeType[e] !== type) continue;
    if (skipProto && g.edgeName(e) === '__proto__') continue;
    count++;
  }
  return count;
}

/** Listeners registered on an EventEmitter: one per function in `_events`, arrays counted whole. */
function listenerCount(g: HeapGraph, events: number): number {
  let count = 0;
  for (let e = g.firstEdge[events]; e < g.firstEdge[events + 1]; e++) {
    if (g.raw.edgeType[e] !== g.edgeTypes.property || g.edgeName(e) === '__proto__') continue;
    const target = g.raw.edgeToNode[e];
    if (g.raw.nodeType[target] === g.nodeTypes.closure) count++;
    else if (g.className(target) === 'Array') count += countEdges(g, target, g.edgeTypes.element);
  }
  return count;
}

/**
 * Whether `n` is a collection a program fills (Map, Set, Array, an object used as a
 * dictionary, an EventEmitter's listeners) and how many entries it holds.
 */
export function collectionOf(g: HeapGraph, n: number): { kind: CollectionKind; entries: number } | null {
  if (g.raw.nodeType[n] !== g.nodeTypes.object) return null;
  const cls = g.className(n);
  if (cls === 'Map') return { kind: 'Map', entries: tableEntries(g, n, 2) };
  if (cls === 'Set') return { kind: 'Set', entries: tableEntries(g, n, 1) };
  if (cls === 'Array') return { kind: 'Array', entries: countEdges(g, n, g.edgeTypes.element) };
  const events = g.child(n, '_events');
  if (events >= 0 && g.raw.nodeType[events] === g.nodeTypes.object) {
    return { kind: 'listeners', entries: listenerCount(g, events) };
  }
  const properties = countEdges(g, n, g.edgeTypes.property, true) + countEdges(g, n, g.edgeTypes.element);
  if (properties >= DICTIONARY_MIN_PROPERTIES) return { kind: 'Object', entries: properties };
  return null;
}
