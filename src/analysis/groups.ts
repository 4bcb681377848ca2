import { shortPlace } from '../present/places.ts';
import { HeapGraph, KNOWN } from '../snapshot/graph.ts';
import { SourceLocation, SourceLocator } from '../snapshot/locations.ts';
import { collectionOf } from './collections.ts';

export type GroupKind = 'timers' | 'async' | 'promises' | 'external';

/** Objects of one kind counted together by where they come from (a callback, a function, a holder). */
export interface Group {
  kind: GroupKind;
  key: string;
  title: string;
  count: number;
  bytes: number;
  location: SourceLocation | null;
  /** A node of the group in this snapshot, to show a retainer path for. */
  example: number;
}

const TYPED_ARRAYS = new Set([
  'ArrayBuffer',
  'SharedArrayBuffer',
  'Buffer',
  'FastBuffer',
  'DataView',
  'Uint8Array',
  'Int8Array',
  'Uint8ClampedArray',
  'Uint16Array',
  'Int16Array',
  'Uint32Array',
  'Int32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
]);

function where(loc: SourceLocation | null): string {
  return loc ? shortPlace(loc) : 'unknown location';
}

function locationKey(loc: SourceLocation | null, fallback: string): string {
  return loc ? `${loc.url}:${loc.line}:${loc.column}` : fallback;
}

class GroupTable {
  readonly groups = new Map<string, Group>();
  add(kind: GroupKind, key: string, make: () => Omit<Group, 'count' | 'bytes' | 'kind' | 'key'>, bytes: number): void {
    const full = `${kind}:${key}`;
    let group = this.groups.get(full);
    if (!group) {
      group = { kind, key: full, count: 0, bytes: 0, ...make() };
      this.groups.set(full, group);
    }
    group.count++;
    group.bytes += bytes;
  }
}

/** The function a suspended async function or generator object runs, or -1. */
function generatorFunction(g: HeapGraph, n: number): number {
  const fn = g.child(n, KNOWN.function);
  return fn >= 0 && g.raw.nodeType[fn] === g.nodeTypes.closure ? fn : -1;
}

function heldByGenerator(g: HeapGraph, n: number): boolean {
  for (let r = g.firstRetainer[n]; r < g.firstRetainer[n + 1]; r++) {
    if (generatorFunction(g, g.retainer(r)) >= 0) return true;
  }
  return false;
}

/** Who waits on a pending promise: the async function awaiting it, or the reaction's own handler. */
function promiseWaiter(g: HeapGraph, reaction: number): number {
  for (let e = g.firstEdge[reaction]; e < g.firstEdge[reaction + 1]; e++) {
    const handler = g.raw.edgeToNode[e];
    if (g.raw.nodeType[handler] !== g.nodeTypes.closure) continue;
    // `await` reacts through a builtin closure whose scope holds the suspended function.
    const context = g.child(handler, 'context');
    if (context >= 0) {
      for (let c = g.firstEdge[context]; c < g.firstEdge[context + 1]; c++) {
        const fn = generatorFunction(g, g.raw.edgeToNode[c]);
        if (fn >= 0) return fn;
      }
    }
    if (g.raw.locations.get(handler)) return handler;
  }
  return -1;
}

/**
 * Who holds a backing store: the nearest collection above it in the dominator tree (so a
 * Map of 10,000 Buffers is one holder), else the nearest object of the program's own.
 */
function bufferHolder(g: HeapGraph, n: number, isCollection: (h: number) => boolean): number {
  let own = -1;
  let h = g.dominator[n];
  for (let guard = 0; guard < 64 && h !== g.rootOrdinal; guard++, h = g.dominator[h]) {
    const t = g.raw.nodeType[h];
    if (t !== g.nodeTypes.object && t !== g.nodeTypes.closure) continue;
    if (TYPED_ARRAYS.has(g.className(h))) continue;
    if (isCollection(h)) return h;
    if (own < 0) own = h;
  }
  return own >= 0 ? own : g.dominator[n];
}

/**
 * The nodes `collectGroups` looks at: backing stores, timers, promises, suspended functions.
 * Found without the dominator tree, so that this scan of the whole heap can run while the
 * tree is built.
 */
export function groupCandidates(g: HeapGraph): Uint32Array {
  const { object, native } = g.nodeTypes;
  const found: number[] = [];
  for (let n = 0; n < g.nodeCount; n++) {
    const t = g.raw.nodeType[n];
    if (t === native ? g.name(n) === 'system / JSArrayBufferData' : t === object && (isTimerOrPromise(g, n) || generatorFunction(g, n) >= 0)) found.push(n);
  }
  return Uint32Array.from(found);
}

function isTimerOrPromise(g: HeapGraph, n: number): boolean {
  const cls = g.classIndexOf(n);
  return g.nameIs(cls, KNOWN.Timeout) || g.nameIs(cls, KNOWN.Promise);
}

/**
 * Live timers by callback, suspended async functions and pending promises by function,
 * and ArrayBuffer backing stores (memory outside the JS heap) by the object holding them.
 * `candidates`: from `groupCandidates`.
 */
export function collectGroups(g: HeapGraph, locator: SourceLocator, candidates: Uint32Array): Map<string, Group> {
  const table = new GroupTable();
  // Ten thousand buffers in one Map all ask about the same Map: answer once.
  const collections = new Map<number, boolean>();
  const isCollection = (h: number) => {
    let known = collections.get(h);
    if (known === undefined) collections.set(h, (known = collectionOf(g, h) !== null));
    return known;
  };
  for (const n of candidates) {
    if (g.raw.nodeType[n] === g.nodeTypes.native) {
      const holder = bufferHolder(g, n, isCollection);
      table.add(
        'external',
        String(g.id(holder)),
        () => ({ title: `ArrayBuffer memory held by ${g.className(holder)} @${g.id(holder)}`, location: locator.locate(holder), example: holder }),
        g.selfSize[n],
      );
      continue;
    }
    const cls = g.classIndexOf(n);
    if (g.nameIs(cls, KNOWN.Timeout)) {
      const callback = g.child(n, '_onTimeout');
      if (callback < 0 || g.raw.nodeType[callback] !== g.nodeTypes.closure) continue;
      const repeat = g.child(n, '_repeat');
      const interval = repeat < 0 || g.raw.nodeType[repeat] === g.nodeTypes.number;
      const loc = locator.locate(callback);
      const api = interval ? 'setInterval' : 'setTimeout';
      table.add(
        'timers',
        `${api}:${locationKey(loc, g.name(callback))}`,
        () => ({ title: `${api}(${g.name(callback) || 'anonymous'}) at ${where(loc)}`, location: loc, example: n }),
        g.retainedSize[n],
      );
      continue;
    }
    const fn = generatorFunction(g, n);
    if (fn >= 0) {
      const loc = locator.locate(n) ?? locator.locate(fn);
      table.add(
        'async',
        locationKey(loc, g.name(fn)),
        () => ({ title: `${g.name(fn) || 'anonymous'}() suspended at await, at ${where(loc)}`, location: loc, example: n }),
        g.retainedSize[n],
      );
      continue;
    }
    // Prototypes are named after their class too (they have a `constructor`); an async
    // function's own promise is counted with the suspended function that holds it.
    if (g.nameIs(cls, KNOWN.Promise) && g.findEdge(n, 'constructor') < 0 && !heldByGenerator(g, n)) {
      const reactions = g.child(n, 'reactions_or_result');
      const pending = reactions < 0 || g.name(reactions) === 'system / PromiseReaction';
      if (!pending) continue;
      const waiter = reactions >= 0 ? promiseWaiter(g, reactions) : -1;
      const loc = waiter >= 0 ? locator.locate(waiter) : null;
      const by = waiter >= 0 ? `${g.name(waiter) || 'anonymous'}() at ${where(loc)}` : 'nothing (no handlers)';
      table.add('promises', locationKey(loc, by), () => ({ title: `pending promises awaited by ${by}`, location: loc, example: n }), g.retainedSize[n]);
    }
  }
  return table.groups;
}
