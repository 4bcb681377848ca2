import { HeapGraph } from '../snapshot/graph.ts';

export type CollectionKind = 'Map' | 'Set' | 'Array' | 'Object' | 'listeners';
export const COLLECTION_KINDS: readonly CollectionKind[] = ['Map', 'Set', 'Array', 'Object', 'listeners'];

/** An object counts as a dictionary once it has this many own properties. */
const DICTIONARY_MIN_PROPERTIES = 32;

/**
 * Entries of a Map or Set, from its OrderedHashTable's slots that hold objects (small
 * integers are stored inline and have no edge). A Map entry is three slots in a row —
 * key, value, chain — so a key slot and the value slot after it are one entry; when only
 * keys or only values are objects, each slot is one entry. A Set's members are one slot each.
 */
function tableEntries(g: HeapGraph, n: number, isMap: boolean): number {
  const table = g.child(n, 'table');
  if (table < 0) return 0;
  const slots: number[] = [];
  for (let e = g.firstEdge[table]; e < g.firstEdge[table + 1]; e++) {
    if (g.raw.edgeType[e] !== g.edgeTypes.internal) continue;
    const slot = Number(g.edgeName(e));
    if (Number.isInteger(slot)) slots.push(slot);
  }
  if (!isMap) return slots.length;
  const residues = new Set(slots.map((slot) => slot % 3));
  if (residues.size <= 1) return slots.length;
  if (residues.size === 3) return Math.ceil(slots.length / 2);
  const [a, b] = [...residues];
  const keyResidue = (b - a + 3) % 3 === 1 ? a : b;
  const keys = new Set(slots.filter((slot) => slot % 3 === keyResidue));
  let entries = keys.size;
  for (const slot of slots) if (slot % 3 !== keyResidue && !keys.has(slot - 1)) entries++;
  return entries;
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
  if (cls === 'Map') return { kind: 'Map', entries: tableEntries(g, n, true) };
  if (cls === 'Set') return { kind: 'Set', entries: tableEntries(g, n, false) };
  if (cls === 'Array') return { kind: 'Array', entries: countEdges(g, n, g.edgeTypes.element) };
  const events = g.child(n, '_events');
  if (events >= 0 && g.raw.nodeType[events] === g.nodeTypes.object) {
    return { kind: 'listeners', entries: listenerCount(g, events) };
  }
  const properties = countEdges(g, n, g.edgeTypes.property, true) + countEdges(g, n, g.edgeTypes.element);
  if (properties >= DICTIONARY_MIN_PROPERTIES) return { kind: 'Object', entries: properties };
  return null;
}
