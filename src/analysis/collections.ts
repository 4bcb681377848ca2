import { grown } from '../snapshot/columns.ts';
import { HeapGraph, KNOWN } from '../snapshot/graph.ts';

export type CollectionKind = 'Map' | 'Set' | 'Array' | 'Object' | 'listeners';
export const COLLECTION_KINDS: readonly CollectionKind[] = ['Map', 'Set', 'Array', 'Object', 'listeners'];

/** An object counts as a dictionary once it has this many own properties. */
const DICTIONARY_MIN_PROPERTIES = 32;

/** Called once per entry with the nodes it adds (a Map's key and value, a member, a listener); -1 where absent. */
export type EntryVisitor = (first: number, second: number) => void;

/** A table's object slots, ascending, and what each holds: buffers reused from table to table. */
let slotNumbers: Uint32Array = new Uint32Array(1024);
let slotTargets: Uint32Array = new Uint32Array(1024);

/** Fills the slot buffers from `table`'s edges (V8 lists them in order; one out of order is moved into place). */
function readSlots(g: HeapGraph, table: number): number {
  let count = 0;
  for (let e = g.firstEdge[table]; e < g.firstEdge[table + 1]; e++) {
    if (g.raw.edgeType[e] !== g.edgeTypes.internal) continue;
    const slot = Number(g.edgeName(e));
    const target = g.raw.edgeToNode[e];
    // A deleted entry stays in the table as holes until it rehashes (seen on Node 22 and 24).
    if (!Number.isInteger(slot) || slot < 0 || g.nameIs(g.raw.nodeName[target], KNOWN.hole)) continue;
    if (count === slotNumbers.length) {
      slotNumbers = grown(slotNumbers);
      slotTargets = grown(slotTargets);
    }
    let k = count++;
    for (; k > 0 && slotNumbers[k - 1] > slot; k--) {
      slotNumbers[k] = slotNumbers[k - 1];
      slotTargets[k] = slotTargets[k - 1];
    }
    slotNumbers[k] = slot;
    slotTargets[k] = target;
  }
  return count;
}

/**
 * Entries of a Map or Set, from its OrderedHashTable's slots that hold objects (small
 * integers are stored inline and have no edge). A Map entry is three slots in a row —
 * key, value, chain — so a key slot and the value slot after it are one entry; when only
 * keys or only values are objects, each slot is one entry. A Set's members are one slot each.
 */
function tableEntries(g: HeapGraph, n: number, isMap: boolean, visit: EntryVisitor): void {
  const table = g.child(n, KNOWN.table);
  if (table < 0) return;
  const count = readSlots(g, table);
  // The visitor may read other tables: take this one's slots out of the shared buffers.
  pairSlots(slotNumbers.slice(0, count), slotTargets.slice(0, count), count, isMap, visit);
}

/** How many entries a Map or Set holds (see `tableEntries`), read in place. */
function tableEntryCount(g: HeapGraph, n: number, isMap: boolean): number {
  const table = g.child(n, KNOWN.table);
  if (table < 0) return 0;
  // Read first: reading may grow (replace) the buffers.
  const count = readSlots(g, table);
  let entries = 0;
  pairSlots(slotNumbers, slotTargets, count, isMap, () => entries++);
  return entries;
}

function pairSlots(slots: Uint32Array, targets: Uint32Array, count: number, isMap: boolean, visit: EntryVisitor): void {
  let residues = 0;
  for (let k = 0; k < count; k++) residues |= 1 << slots[k] % 3;
  const kinds = (residues & 1) + ((residues >> 1) & 1) + ((residues >> 2) & 1);
  if (!isMap || kinds <= 1) {
    for (let k = 0; k < count; k++) visit(targets[k], -1);
  } else if (kinds === 3) {
    for (let k = 0; k < count; k += 2) visit(targets[k], k + 1 < count ? targets[k + 1] : -1);
  } else {
    // Two residues: keys are the one whose next residue is the other (value after key).
    const missing = [0, 1, 2].find((r) => !(residues & (1 << r)))!;
    const keyResidue = (missing + 1) % 3;
    for (let k = 0; k < count; k++) {
      const follows = k > 0 && slots[k - 1] === slots[k] - 1;
      if (slots[k] % 3 === keyResidue) visit(targets[k], k + 1 < count && slots[k + 1] === slots[k] + 1 ? targets[k + 1] : -1);
      else if (!follows) visit(targets[k], -1);
    }
  }
}

/** An edge that is an entry: an element, or a property other than the prototype. */
function isEntryEdge(g: HeapGraph, e: number, type: number): boolean {
  return g.raw.edgeType[e] === type && !(type === g.edgeTypes.property && g.nameIs(g.raw.edgeNameOrIndex[e], KNOWN.proto));
}

function forEachEdge(g: HeapGraph, n: number, type: number, visit: (target: number) => void): void {
  for (let e = g.firstEdge[n]; e < g.firstEdge[n + 1]; e++) if (isEntryEdge(g, e, type)) visit(g.raw.edgeToNode[e]);
}

/** Elements of an Array, counted without a visitor: every Array of the heap is asked. */
function elementCount(g: HeapGraph, n: number): number {
  const { edgeType } = g.raw;
  const { element } = g.edgeTypes;
  let count = 0;
  for (let e = g.firstEdge[n], end = g.firstEdge[n + 1]; e < end; e++) if (edgeType[e] === element) count++;
  return count;
}

/** Listeners registered on an EventEmitter: one per function in `_events`, arrays counted whole. */
function listenerEntries(g: HeapGraph, events: number, visit: EntryVisitor): void {
  forEachEdge(g, events, g.edgeTypes.property, (target) => {
    if (g.raw.nodeType[target] === g.nodeTypes.closure) visit(target, -1);
    else if (g.nameIs(g.classIndexOf(target), KNOWN.Array)) forEachEdge(g, target, g.edgeTypes.element, (listener) => visit(listener, -1));
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
  if (kind === 'listeners') return listenerEntries(g, g.child(n, KNOWN.events), visit);
  if (kind === 'Object') forEachEdge(g, n, g.edgeTypes.property, (target) => visit(target, -1));
  forEachEdge(g, n, g.edgeTypes.element, (target) => visit(target, -1));
}

/**
 * Whether `n` is a collection a program fills (Map, Set, Array, an object used as a
 * dictionary, an EventEmitter's listeners) and how many entries it holds.
 */
export function collectionOf(g: HeapGraph, n: number): { kind: CollectionKind; entries: number } | null {
  if (g.raw.nodeType[n] !== g.nodeTypes.object) return null;
  const cls = g.classIndexOf(n);
  if (g.nameIs(cls, KNOWN.Array)) return { kind: 'Array', entries: elementCount(g, n) };
  if (g.nameIs(cls, KNOWN.Map) || g.nameIs(cls, KNOWN.Set)) {
    const isMap = g.nameIs(cls, KNOWN.Map);
    return { kind: isMap ? 'Map' : 'Set', entries: tableEntryCount(g, n, isMap) };
  }
  // Every object of the heap is asked: its edges are read once, for `_events` and its entries.
  const { edgeType, edgeNameOrIndex, edgeToNode } = g.raw;
  const { element, property, hidden, weak } = g.edgeTypes;
  let events = -1;
  let properties = 0;
  for (let e = g.firstEdge[n], end = g.firstEdge[n + 1]; e < end; e++) {
    const t = edgeType[e];
    if (t === element) properties++;
    if (t === weak || t === element || t === hidden) continue;
    const name = edgeNameOrIndex[e];
    if (events < 0 && g.nameIs(name, KNOWN.events)) events = edgeToNode[e];
    if (t === property && !g.nameIs(name, KNOWN.proto)) properties++;
  }
  if (events >= 0 && g.raw.nodeType[events] === g.nodeTypes.object) return { kind: 'listeners', entries: countOf((visit) => forEachEntry(g, n, 'listeners', visit)) };
  return properties >= DICTIONARY_MIN_PROPERTIES ? { kind: 'Object', entries: properties } : null;
}
