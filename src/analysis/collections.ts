import { HeapGraph } from '../snapshot/graph.ts';

export type CollectionKind = 'Map' | 'Set' | 'Array' | 'Object' | 'listeners';
export const COLLECTION_KINDS: readonly CollectionKind[] = ['Map', 'Set', 'Array', 'Object', 'listeners'];

/** An object counts as a dictionary once it has this many own properties. */
const DICTIONARY_MIN_PROPERTIES = 32;

/** Called once per entry with the nodes it adds (a Map's key and value, a member, a listener); -1 where absent. */
export type EntryVisitor = (first: number, second: number) => void;

/**
 * Entries of a Map or Set, from its OrderedHashTable's slots that hold objects (small
 * integers are stored inline and have no edge). A Map entry is three slots in a row —
 * key, value, chain — so a key slot and the value slot after it are one entry; when only
 * keys or only values are objects, each slot is one entry. A Set's members are one slot each.
 */
function tableEntries(g: HeapGraph, n: number, isMap: boolean, visit: EntryVisitor): void {
  const table = g.child(n, 'table');
  if (table < 0) return;
  const slots = new Map<number, number>();
  for (let e = g.firstEdge[table]; e < g.firstEdge[table + 1]; e++) {
    if (g.raw.edgeType[e] !== g.edgeTypes.internal) continue;
    const slot = Number(g.edgeName(e));
    const target = g.raw.edgeToNode[e];
    // A deleted entry stays in the table as holes until it rehashes (seen on Node 22 and 24).
    if (Number.isInteger(slot) && g.name(target) !== 'system / Hole') slots.set(slot, target);
  }
  const ordered = [...slots.keys()].sort((a, b) => a - b);
  const residues = new Set(ordered.map((slot) => slot % 3));
  if (!isMap || residues.size <= 1) {
    for (const slot of ordered) visit(slots.get(slot)!, -1);
  } else if (residues.size === 3) {
    for (let k = 0; k < ordered.length; k += 2) visit(slots.get(ordered[k])!, k + 1 < ordered.length ? slots.get(ordered[k + 1])! : -1);
  } else {
    const [a, b] = [...residues];
    const keyResidue = (b - a + 3) % 3 === 1 ? a : b;
    for (const slot of ordered) {
      if (slot % 3 === keyResidue) visit(slots.get(slot)!, slots.get(slot + 1) ?? -1);
      else if (!slots.has(slot - 1)) visit(slots.get(slot)!, -1);
    }
  }
}

/** An edge that is an entry: an element, or a property other than the prototype. */
function isEntryEdge(g: HeapGraph, e: number, type: number): boolean {
  return g.raw.edgeType[e] === type && !(type === g.edgeTypes.property && g.edgeName(e) === '__proto__');
}

function forEachEdge(g: HeapGraph, n: number, type: number, visit: (target: number) => void): void {
  for (let e = g.firstEdge[n]; e < g.firstEdge[n + 1]; e++) if (isEntryEdge(g, e, type)) visit(g.raw.edgeToNode[e]);
}

/** Entries of an Array or a dictionary object, counted without a visitor: every object of the heap is asked. */
function edgeCount(g: HeapGraph, n: number, withProperties: boolean): number {
  let count = 0;
  for (let e = g.firstEdge[n]; e < g.firstEdge[n + 1]; e++) {
    if (isEntryEdge(g, e, g.edgeTypes.element) || (withProperties && isEntryEdge(g, e, g.edgeTypes.property))) count++;
  }
  return count;
}

/** Listeners registered on an EventEmitter: one per function in `_events`, arrays counted whole. */
function listenerEntries(g: HeapGraph, events: number, visit: EntryVisitor): void {
  forEachEdge(g, events, g.edgeTypes.property, (target) => {
    if (g.raw.nodeType[target] === g.nodeTypes.closure) visit(target, -1);
    else if (g.className(target) === 'Array') forEachEdge(g, target, g.edgeTypes.element, (listener) => visit(listener, -1));
  });
}

function countOf(entries: (visit: EntryVisitor) => void): number {
  let count = 0;
  entries(() => count++);
  return count;
}

/** Walks the entries of a collection of the given kind (see `collectionOf`). */
export function forEachEntry(g: HeapGraph, n: number, kind: CollectionKind, visit: EntryVisitor): void {
  if (kind === 'Map' || kind === 'Set') return tableEntries(g, n, kind === 'Map', visit);
  if (kind === 'listeners') return listenerEntries(g, g.child(n, '_events'), visit);
  if (kind === 'Object') forEachEdge(g, n, g.edgeTypes.property, (target) => visit(target, -1));
  forEachEdge(g, n, g.edgeTypes.element, (target) => visit(target, -1));
}

/**
 * Whether `n` is a collection a program fills (Map, Set, Array, an object used as a
 * dictionary, an EventEmitter's listeners) and how many entries it holds.
 */
export function collectionOf(g: HeapGraph, n: number): { kind: CollectionKind; entries: number } | null {
  if (g.raw.nodeType[n] !== g.nodeTypes.object) return null;
  const cls = g.className(n);
  if (cls === 'Array') return { kind: 'Array', entries: edgeCount(g, n, false) };
  const kind: CollectionKind | null = cls === 'Map' || cls === 'Set' ? cls : g.raw.nodeType[g.child(n, '_events')] === g.nodeTypes.object ? 'listeners' : null;
  if (kind) return { kind, entries: countOf((visit) => forEachEntry(g, n, kind, visit)) };
  const properties = edgeCount(g, n, true);
  return properties >= DICTIONARY_MIN_PROPERTIES ? { kind: 'Object', entries: properties } : null;
}
