import { isNativeContextName } from './assemble.ts';
import { isDigit } from './json-bytes.ts';
import { throwIfCancelled } from '../common/errors.ts';
import { RawSnapshot } from './format.ts';
import { plainMemory, SHARED_FROM_NODES, sharedMemory } from './columns.ts';
import { GRAPH_SIGNALS, GraphHelper } from './graph-helper.ts';
import {
  allocateRetainers,
  buildDominatorChildren,
  buildDominatorTree,
  ClassTable,
  classOf,
  countRetainers,
  EssentialInput,
  fillRetainers,
  markEssentialEdges,
  NOT_ESSENTIAL,
  PassInput,
  retainedSizes,
  sumRetainedByClass,
  transferOwnedSizes,
} from './graph-passes.ts';
import { releaseGarbage } from './memory.ts';

/** Distance given to nodes reachable only through V8's internal roots (DevTools' baseSystemDistance). */
export const SYSTEM_DISTANCE = 100_000_000;
export const UNREACHABLE = 0x7fffffff;

/** Slots of the size fold's walk on two threads: it holds few nodes at once, and spills past them. */
const FOLD_STACK = 1 << 16;

/** One hop of a retainer path: `edge` leads from the previous step's node into `node` (-1 at the start). */
export interface PathStep {
  node: number;
  edge: number;
}

export interface BuildOptions {
  onProgress?: (phase: string, fraction: number) => void;
  signal?: AbortSignal;
  /**
   * The caller's work that needs distances and final shallow sizes but no dominators or
   * retainers (the start of the digest): on two threads it runs while the other one builds
   * the dominator tree. `work`: nodes + 1 slots it may use until it returns.
   */
  beforeDominators?: (g: HeapGraph, work: Uint32Array) => void;
}

/** Node and edge type ids by name; -1 where this snapshot's V8 has no such type. */
function typeIds<K extends string>(names: readonly string[], wanted: readonly K[]): Record<K, number> {
  return Object.fromEntries(wanted.map((name) => [name, names.indexOf(name)])) as Record<K, number>;
}

const NODE_TYPES = [
  'hidden',
  'array',
  'string',
  'object',
  'code',
  'closure',
  'regexp',
  'number',
  'native',
  'synthetic',
  'concatenated string',
  'sliced string',
  'symbol',
  'bigint',
  'object shape',
] as const;
const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak', 'invisible'] as const;

const NATIVE_CONTEXT = 1;
const MAP_DESCRIPTORS = 2;

/**
 * Names the analysis asks about for every object or edge of the heap, by code: found by a
 * flag per string (set once, with the others), not by comparing strings each time.
 */
export const KNOWN = { proto: 3, events: 4, table: 5, Array: 6, Map: 7, Set: 8, hole: 9, Timeout: 10, Promise: 11, function: 12 } as const;
export type KnownCode = (typeof KNOWN)[keyof typeof KNOWN];
const KNOWN_FLAG = new Map<string, number>([
  ['__proto__', KNOWN.proto],
  ['_events', KNOWN.events],
  ['table', KNOWN.table],
  ['Array', KNOWN.Array],
  ['Map', KNOWN.Map],
  ['Set', KNOWN.Set],
  ['system / Hole', KNOWN.hole],
  ['Timeout', KNOWN.Timeout],
  ['Promise', KNOWN.Promise],
  ['function', KNOWN.function],
]);

// With a debugger attached, V8 adds the context's name: 'global (global*) / '.
const GLOBAL_TAG = / \(global\*?\)(?: \/ .*)?$/;

const EPHEMERON_NAME =
  /^\d+(?<pair> \/ part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(?<table>\d+)\))$/;

/** The node whose edges start closest to the middle of all edges. */
function edgeMidpoint(firstEdge: Uint32Array): number {
  const half = firstEdge[firstEdge.length - 1] / 2;
  let lo = 0;
  let hi = firstEdge.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (firstEdge[mid] < half) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The heap as a graph with the indexes every query needs: edges and retainers by node,
 * class names, distances from the roots, the dominator tree and retained sizes. The rules
 * for what keeps what alive follow Chrome DevTools' HeapSnapshot.ts.
 */
export class HeapGraph {
  readonly nodeCount: number;
  readonly edgeCount: number;
  readonly rootOrdinal = 0;
  readonly nodeTypes: Record<(typeof NODE_TYPES)[number], number>;
  readonly edgeTypes: Record<(typeof EDGE_TYPES)[number], number>;
  /** Edge ordinals of node n are firstEdge[n] .. firstEdge[n+1]-1. */
  readonly firstEdge: Uint32Array;
  /**
   * The nodes holding node n are retainer(r) for r in firstRetainer[n] .. firstRetainer[n+1]-1,
   * in ascending order; `edgeBetween` finds the edge itself, which few queries need.
   */
  firstRetainer!: Uint32Array;
  private retainerSlots!: Uint32Array;
  /**
   * Shallow sizes, with owned internal arrays folded into their owner as DevTools shows them;
   * 64-bit only when they add up to 4 GB or more (no folded size can outgrow 32 bits then).
   */
  readonly selfSize: Uint32Array | Float64Array;
  private classes!: ClassTable;
  /** Per string of the snapshot: whether it names a NativeContext or a map's descriptors (NATIVE_CONTEXT…). */
  private nameFlags!: Uint8Array;
  /** The snapshot's strings; class names the graph derives come after them, in `addedStrings`. */
  private readonly strings: string[];
  private readonly addedStrings: string[] = [];
  distance!: Int32Array;
  dominator!: Uint32Array;
  retainedSize!: Float64Array;
  private essential!: Uint32Array;
  /** Per string: the WeakMap table id of the ephemeron edges with that name, or -1 (most). */
  private ephemeronTable!: Float64Array;
  private readonly ephemeronInfo = new Map<number, { pair: string; table: number }>();
  private dominatedFirst: Uint32Array | null = null;
  private dominatedList: Uint32Array | null = null;
  /** Retained sizes by class string index: from the other thread, or summed when first asked. */
  private classRetained: Float64Array | null = null;

  /**
   * Builds the graph and its indexes. A big heap read into shared memory (the reader's
   * parallel path, or a big streamed snapshot) is built on two threads (graph-helper.ts).
   */
  static async build(raw: RawSnapshot, options: BuildOptions = {}): Promise<HeapGraph> {
    const shared = [raw.firstEdge, raw.edgeToNode, raw.edgeType, raw.nodeType].every((a) => a.buffer instanceof SharedArrayBuffer);
    const g = new HeapGraph(raw, shared && raw.nodeCount >= SHARED_FROM_NODES ? 2 : 1);
    await g.index(options);
    return g;
  }

  private constructor(
    readonly raw: RawSnapshot,
    /** The threads it was built on. */
    readonly threads: 1 | 2,
  ) {
    this.nodeCount = raw.nodeCount;
    this.edgeCount = raw.edgeCount;
    this.nodeTypes = typeIds(raw.nodeTypeNames, NODE_TYPES);
    this.edgeTypes = typeIds(raw.edgeTypeNames, EDGE_TYPES);
    this.strings = raw.strings;
    const sizes = raw.nodeSelfSize;
    raw.nodeSelfSize = new Uint32Array(0);
    let total = 0;
    for (let n = 0; n < sizes.length; n++) total += sizes[n];
    // Copied only when folded sizes could outgrow 32 bits, or another thread could not read them.
    const wide = total > 0xffffffff && !(sizes instanceof Float64Array);
    const unreadable = threads === 2 && !(sizes.buffer instanceof SharedArrayBuffer);
    if (!wide && !unreadable) this.selfSize = sizes;
    else {
      this.selfSize = total > 0xffffffff ? new Float64Array(this.allocate(8 * this.nodeCount)) : new Uint32Array(this.allocate(4 * this.nodeCount));
      this.selfSize.set(sizes);
    }
    this.firstEdge = raw.firstEdge;
  }

  private allocate(bytes: number): ArrayBufferLike {
    return this.threads === 2 ? sharedMemory(bytes) : plainMemory(bytes);
  }

  private async index(options: BuildOptions): Promise<void> {
    const check = () => {
      throwIfCancelled(options.signal);
    };
    const { nodeCount, edgeCount } = this;
    options.onProgress?.('indexing edges', 0);
    releaseGarbage(nodeCount);
    this.buildClassNames();
    // Node-sized work arrays serve every phase in turn, so that a big heap's peak memory is
    // not the sum of each phase's temporaries.
    const queue = new Uint32Array(nodeCount + 1);
    const input = this.passInput();
    const foldSizes = this.userRoots().length > 0;
    const essential = new Uint32Array(this.allocate(4 * ((edgeCount >>> 5) + 1)));
    const retainers = allocateRetainers(nodeCount, edgeCount, (bytes) => this.allocate(bytes));
    // The retained sizes' array lends its memory to the work of other phases first: on a big
    // heap every fresh megabyte costs time as well as room.
    const retained = new Float64Array(this.allocate(8 * (nodeCount + 1)));
    const classRetained = this.threads === 2 ? new Float64Array(sharedMemory(8 * this.stringCount)) : null;
    const owned = new Uint32Array(this.allocate(4 * ((nodeCount >>> 5) + 1)));
    const essentialInput: EssentialInput = { ...this.essentialInput(), pageOwned: owned };
    // The essential edges are marked on both threads: the other one's half from `split` on.
    const split = this.threads === 2 ? edgeMidpoint(this.firstEdge) : nodeCount;
    const helper = classRetained
      ? new GraphHelper({
          kind: 'graph',
          input,
          essential: essentialInput,
          split,
          sizes: this.selfSize,
          essentialEdges: essential,
          retainers,
          retained,
          nodeName: this.raw.nodeName,
          classes: this.classes,
          classRetained,
          signals: new Int32Array(sharedMemory(4 * GRAPH_SIGNALS)),
        })
      : null;
    try {
      options.onProgress?.('marking essential edges', 0.1);
      const ownsSome = this.markPageOwned(queue, owned);
      if (!ownsSome) essentialInput.pageOwned = null;
      helper?.pageOwnedReady(ownsSome);
      markEssentialEdges(essentialInput, 0, split, essential);
      this.essential = essential;
      check();
      if (helper) {
        // The other thread builds the retainers and the dominator tree while this one measures
        // distances, folds sizes and does the caller's work that needs no dominators.
        helper.essentialEdgesReady();
        options.onProgress?.('distances', 0.2);
        this.distance = this.computeDistances(queue);
        check();
        if (foldSizes) transferOwnedSizes(input, this.selfSize, queue, new Uint32Array(FOLD_STACK));
        helper.sizesReady();
        check();
        options.onProgress?.('dominators', 0.4);
        options.beforeDominators?.(this, queue);
        check();
        this.dominator = await helper.finished();
        this.classRetained = classRetained;
      } else {
        const scratch: [Uint32Array, Uint32Array] = [queue, new Uint32Array(nodeCount + 1)];
        options.onProgress?.('indexing retainers', 0.2);
        countRetainers(input, retainers);
        fillRetainers(input, essential, retainers, scratch[1]);
        check();
        if (foldSizes) transferOwnedSizes(input, this.selfSize, scratch[0], scratch[1]);
        check();
        options.onProgress?.('distances', 0.4);
        this.distance = this.computeDistances(scratch[0]);
        check();
        options.beforeDominators?.(this, scratch[0]);
        check();
        options.onProgress?.('dominators', 0.5);
        releaseGarbage(nodeCount);
        const tree = buildDominatorTree(input, essential, retainers, scratch[1], retained.buffer, plainMemory);
        retainedSizes(tree, this.rootOrdinal, this.selfSize, retained.subarray(0, nodeCount));
        this.dominator = tree.dominator;
      }
    } finally {
      await helper?.stop();
    }
    this.firstRetainer = retainers.first;
    this.retainerSlots = retainers.retainerNode;
    this.retainedSize = retained.subarray(0, nodeCount);
    options.onProgress?.('done', 1);
  }

  /** The essential edges' input but for what the program owns, which is marked first. */
  private essentialInput(): Omit<EssentialInput, 'pageOwned'> {
    const { raw } = this;
    const { weak, shortcut, internal } = this.edgeTypes;
    return {
      firstEdge: this.firstEdge,
      edgeType: raw.edgeType,
      edgeToNode: raw.edgeToNode,
      edgeNameOrIndex: raw.edgeNameOrIndex,
      nodeId: raw.nodeId,
      rootOrdinal: this.rootOrdinal,
      types: { weak, shortcut, internal },
      ephemeronTable: this.ephemeronTable,
    };
  }

  private passInput(): PassInput {
    const { raw } = this;
    const { hidden, array, synthetic } = this.nodeTypes;
    return {
      nodeCount: this.nodeCount,
      edgeCount: this.edgeCount,
      rootOrdinal: this.rootOrdinal,
      firstEdge: this.firstEdge,
      edgeToNode: raw.edgeToNode,
      edgeType: raw.edgeType,
      nodeType: raw.nodeType,
      types: { hidden, array, synthetic, weak: this.edgeTypes.weak },
    };
  }

  // --- names --------------------------------------------------------------------------

  typeName(n: number): string {
    return this.raw.nodeTypeNames[this.raw.nodeType[n]] ?? 'unknown';
  }

  name(n: number): string {
    return this.strings[this.raw.nodeName[n]] ?? '';
  }

  className(n: number): string {
    return this.string(this.classIndexOf(n));
  }

  /** A string by index: the snapshot's, or a class name the graph added. */
  string(k: number): string {
    return (k < this.strings.length ? this.strings[k] : this.addedStrings[k - this.strings.length]) ?? '';
  }

  /** Number of string indexes in use, the snapshot's and the graph's. */
  get stringCount(): number {
    return this.strings.length + this.addedStrings.length;
  }

  id(n: number): number {
    return this.raw.nodeId[n];
  }

  edgeTypeName(e: number): string {
    return this.raw.edgeTypeNames[this.raw.edgeType[e]] ?? 'unknown';
  }

  /** Element and hidden edges carry an index; the others a string-table index. */
  edgeName(e: number): string {
    const t = this.raw.edgeType[e];
    const v = this.raw.edgeNameOrIndex[e];
    if (t === this.edgeTypes.element || t === this.edgeTypes.hidden) return String(v);
    return this.strings[v] ?? String(v);
  }

  isWeakEdge(e: number): boolean {
    return this.raw.edgeType[e] === this.edgeTypes.weak;
  }

  /** The node in retainer slot `r` (see `firstRetainer`). */
  retainer(r: number): number {
    return this.retainerSlots[r] & ~NOT_ESSENTIAL;
  }

  isEssential(e: number): boolean {
    return (this.essential[e >>> 5] & (1 << (e & 31))) !== 0;
  }

  /** V8's context of a realm: 'system / NativeContext', and with a debugger attached '… / <name>'. */
  isNativeContext(n: number): boolean {
    return this.nameFlags[this.raw.nodeName[n]] === NATIVE_CONTEXT;
  }

  /**
   * First edge of `n` with the given name (any type but weak), or -1. A KNOWN name can be
   * given by its code: passes over every object of the heap ask this, and skip the lookup.
   */
  findEdge(n: number, name: string | KnownCode): number {
    const known = typeof name === 'number' ? name : KNOWN_FLAG.get(name);
    const { edgeType, edgeNameOrIndex } = this.raw;
    const { element, hidden, weak } = this.edgeTypes;
    const flags = this.nameFlags;
    for (let e = this.firstEdge[n], end = this.firstEdge[n + 1]; e < end; e++) {
      const t = edgeType[e];
      if (t === weak) continue;
      if (known === undefined ? this.edgeName(e) === name : t !== element && t !== hidden && flags[edgeNameOrIndex[e]] === known) return e;
    }
    return -1;
  }

  /** Whether string `k` (a node's name, a class index, a property edge's name) is the KNOWN name `code`. */
  nameIs(k: number, code: number): boolean {
    return this.nameFlags[k] === code;
  }

  /** Target of the first edge of `n` with the given name, or -1. */
  child(n: number, name: string | KnownCode): number {
    const e = this.findEdge(n, name);
    return e < 0 ? -1 : this.raw.edgeToNode[e];
  }

  // --- dominator tree ------------------------------------------------------------------

  /** Nodes immediately dominated by `n`. */
  dominated(n: number): Uint32Array {
    const { first, list } = this.dominatorChildren();
    return list.subarray(first[n], first[n + 1]);
  }

  /**
   * The dominator tree downwards: the nodes `n` immediately dominates are list[first[n] ..
   * first[n+1]-1]. For walks over the whole tree, which can't afford a subarray per node.
   */
  dominatorChildren(): { first: Uint32Array; list: Uint32Array } {
    if (!this.dominatedFirst || !this.dominatedList) {
      const first = new Uint32Array(this.nodeCount + 1);
      const list = new Uint32Array(Math.max(0, this.nodeCount - 1));
      buildDominatorChildren(this.dominator, this.rootOrdinal, first, list);
      this.dominatedFirst = first;
      this.dominatedList = list;
    }
    return { first: this.dominatedFirst, list: this.dominatedList };
  }

  /**
   * Retained sizes by class string index, as DevTools sums them (an object counts only when
   * no dominator above it is of its class).
   */
  classRetainedSizes(): Float64Array {
    if (!this.classRetained) {
      const { first, list } = this.dominatorChildren();
      const sums = new Float64Array(this.stringCount);
      sumRetainedByClass({ rootOrdinal: this.rootOrdinal, first, list, selfSize: this.selfSize, retained: this.retainedSize }, (n) => this.classIndexOf(n), sums);
      this.classRetained = sums;
    }
    return this.classRetained;
  }

  // --- construction ----------------------------------------------------------------------

  /** The strongest edge from `from` to `to`: not weak, properties and variables first; -1 if none. */
  edgeBetween(from: number, to: number): number {
    let best = -1;
    let bestRank = Infinity;
    for (let e = this.firstEdge[from]; e < this.firstEdge[from + 1]; e++) {
      if (this.raw.edgeToNode[e] !== to || this.isWeakEdge(e)) continue;
      const rank = this.edgeRank(e);
      if (rank < bestRank) {
        best = e;
        bestRank = rank;
      }
    }
    return best;
  }

  /** How well an edge reads in a path: properties, elements and variables before V8 internals. */
  edgeRank(e: number): number {
    const t = this.raw.edgeType[e];
    const { property, element, context, internal, hidden } = this.edgeTypes;
    if (t === property || t === element || t === context) return 0;
    if (t === internal) return 1;
    if (t === hidden) return 2;
    return 3;
  }

  /**
   * DevTools' class names: constructor names for objects, `(system)`, `Function`,
   * `(string)`… Per type, or per name for objects: no per-node array is needed.
   */
  private buildClassNames(): void {
    const strings = this.strings;
    const added = new Map<string, number>();
    const index = (s: string) => {
      let k = added.get(s);
      if (k === undefined) {
        k = strings.length + this.addedStrings.length;
        this.addedStrings.push(s);
        added.set(s, k);
      }
      return k;
    };
    const fixed: Record<string, string> = { hidden: '(system)', code: '(compiled code)', closure: 'Function', regexp: 'RegExp' };
    const byType = Int32Array.from(this.raw.nodeTypeNames, (type) => (type === 'object' || type === 'native' ? -1 : index(fixed[type] ?? `(${type})`)));
    const unknown = index('(unknown)');
    // '<div id="a">' is of class '<div>'; V8 14 tags the global object 'global (global*)'.
    const count = strings.length;
    const flags = (this.nameFlags = new Uint8Array(count));
    const classes = new Uint32Array(count);
    this.classes = { byType, byName: classes, unknown };
    const tables = (this.ephemeronTable = new Float64Array(this.allocate(8 * count)).fill(-1));
    for (let k = 0; k < count; k++) {
      classes[k] = k;
      const name = strings[k];
      // '12 / part of key (Object @3) -> value (Object @5) pair in WeakMap (table @7)'.
      const ephemeron = isDigit(name.charCodeAt(0)) && name.endsWith(')') ? EPHEMERON_NAME.exec(name) : null;
      if (ephemeron?.groups) {
        const info = { pair: ephemeron.groups.pair, table: Number(ephemeron.groups.table) };
        this.ephemeronInfo.set(k, info);
        tables[k] = info.table;
      }
      if (isNativeContextName(name)) flags[k] = NATIVE_CONTEXT;
      else if (name === '(map descriptors)') flags[k] = MAP_DESCRIPTORS;
      else flags[k] = KNOWN_FLAG.get(name) ?? 0;
      const tag = name.includes(' (global') ? GLOBAL_TAG.exec(name) : null;
      if (tag) {
        classes[k] = index(name.slice(0, tag.index));
        continue;
      }
      if (name.charCodeAt(0) !== 60 && !name.startsWith('Detached <')) continue;
      const space = name.indexOf(' ', name.startsWith('<') ? 0 : 10);
      if (space !== -1) classes[k] = index(name.slice(0, space) + '>');
    }
  }

  /** Class name string index of node `n` (may point past the snapshot's own strings). */
  classIndexOf(n: number): number {
    return classOf(this.classes, this.raw.nodeType, this.raw.nodeName, n);
  }

  /** Whether the root's non-synthetic children (the global objects) exist: "user roots". */
  private userRoots(): number[] {
    const roots: number[] = [];
    const { raw, firstEdge, rootOrdinal } = this;
    for (let e = firstEdge[rootOrdinal]; e < firstEdge[rootOrdinal + 1]; e++) {
      const t = raw.edgeToNode[e];
      if (raw.nodeType[t] !== this.nodeTypes.synthetic || this.name(t) === '(Document DOM trees)') roots.push(t);
    }
    return roots;
  }

  /**
   * Sets a bit in `owned` for each node the program owns (reachable from user roots), as
   * opposed to the debugger's handles; false when the snapshot has no user roots.
   */
  private markPageOwned(stack: Uint32Array, owned: Uint32Array): boolean {
    const { raw, firstEdge, rootOrdinal } = this;
    const { edgeToNode, edgeType } = raw;
    const weak = this.edgeTypes.weak;
    let top = 0;
    for (let e = firstEdge[rootOrdinal]; e < firstEdge[rootOrdinal + 1]; e++) {
      const t = edgeToNode[e];
      const type = edgeType[e];
      const documentTrees = type === this.edgeTypes.element && this.name(t) === '(Document DOM trees)';
      if (type !== this.edgeTypes.shortcut && !documentTrees) continue;
      if ((owned[t >>> 5] & (1 << (t & 31))) === 0) {
        owned[t >>> 5] |= 1 << (t & 31);
        stack[top++] = t;
      }
    }
    if (top === 0) return false;
    while (top > 0) {
      const n = stack[--top];
      for (let e = firstEdge[n]; e < firstEdge[n + 1]; e++) {
        const t = edgeToNode[e];
        if ((owned[t >>> 5] & (1 << (t & 31))) !== 0 || edgeType[e] === weak) continue;
        owned[t >>> 5] |= 1 << (t & 31);
        stack[top++] = t;
      }
    }
    return true;
  }

  /** Whether an internal edge name is a WeakMap ephemeron edge, and of which pair and table. */
  ephemeron(nameIndex: number): { pair: string; table: number } | null {
    return this.ephemeronInfo.get(nameIndex) ?? null;
  }

  /** BFS from the user roots (distance 1), then from the root for what only the system holds. */
  private computeDistances(queue: Uint32Array): Int32Array {
    const { nodeCount, rootOrdinal } = this;
    const distance = new Int32Array(nodeCount).fill(UNREACHABLE);
    // A bit per node says it has its distance: a 32nd of `distance`, so the check made for
    // every edge stays in cache.
    const reached = new Uint32Array((nodeCount >>> 5) + 1);
    const reach = (n: number, d: number) => {
      distance[n] = d;
      reached[n >>> 5] |= 1 << (n & 31);
    };
    const users = this.userRoots();
    let length = 0;
    for (const u of users) {
      if (distance[u] !== UNREACHABLE) continue;
      reach(u, 1);
      queue[length++] = u;
    }
    this.bfs(queue, length, distance, reached);
    reach(rootOrdinal, users.length > 0 ? SYSTEM_DISTANCE : 0);
    queue[0] = rootOrdinal;
    // Without user roots (a snapshot V8 wrote on its own near the heap limit, mid-allocation),
    // the running code's stack and handles reach what it holds in two steps. They are measured
    // as farther than anything else, so that paths run through the program's own references.
    const transient = users.length === 0 ? this.transientRoots() : [];
    for (const node of transient) reach(node, 0);
    this.bfs(queue, 1, distance, reached);
    if (transient.length > 0) {
      let farthest = 0;
      for (let n = 0; n < nodeCount; n++) if (distance[n] !== UNREACHABLE && distance[n] > farthest) farthest = distance[n];
      for (const node of transient) distance[node] = farthest + 1;
      queue.set(transient);
      this.bfs(queue, transient.length, distance, reached);
    }
    return distance;
  }

  /** V8's roots for the stack and the handle scopes of the code running when the snapshot was taken. */
  private transientRoots(): number[] {
    const { raw, firstEdge, rootOrdinal } = this;
    const found: number[] = [];
    for (let e = firstEdge[rootOrdinal]; e < firstEdge[rootOrdinal + 1]; e++) {
      const parent = raw.edgeToNode[e];
      for (let f = firstEdge[parent]; f < firstEdge[parent + 1]; f++) {
        const node = raw.edgeToNode[f];
        const name = this.name(node);
        if (raw.nodeType[node] === this.nodeTypes.synthetic && (name === '(Stack roots)' || name === '(Handle scope)')) found.push(node);
      }
    }
    return found;
  }

  private bfs(queue: Uint32Array, length: number, distance: Int32Array, reached: Uint32Array): void {
    const { raw, firstEdge } = this;
    const { edgeType, edgeToNode, edgeNameOrIndex } = raw;
    const { weak, internal, element, hidden } = this.edgeTypes;
    const ephemeronTable = this.ephemeronTable;
    const hiddenNode = this.nodeTypes.hidden;
    const arrayNode = this.nodeTypes.array;
    const pendingEphemerons = new Set<string>();
    let head = 0;
    while (head < length) {
      const n = queue[head++];
      const next = distance[n] + 1;
      const nodeType = raw.nodeType[n];
      const flag = this.nameFlags[raw.nodeName[n]];
      const descriptors = nodeType === arrayNode && flag === MAP_DESCRIPTORS;
      const nativeContext = nodeType === hiddenNode && flag === NATIVE_CONTEXT;
      for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
        const type = edgeType[e];
        if (type === weak) continue;
        const t = edgeToNode[e];
        if ((reached[t >>> 5] & (1 << (t & 31))) !== 0) continue;
        if (nativeContext && this.edgeName(e) === 'sloppy_function_map') continue;
        // Older V8 links the global object straight to its NativeContext, V8 14 does not: left
        // out, every version measures the context's slots (promise hooks, error_function…) the
        // same, and paths through them are not shorter than the program's own.
        if (next === 2 && type === internal && this.isNativeContext(t)) continue;
        if (descriptors) {
          // Maps share descriptor arrays, so most descriptor links don't hold for this map.
          const index = type === element || type === hidden ? edgeNameOrIndex[e] : parseInt(this.edgeName(e), 10);
          if (index >= 2 && index % 3 === 1) continue;
        }
        if (type === internal && ephemeronTable[edgeNameOrIndex[e]] !== -1) {
          // A WeakMap value is reached from the table and from the key: count the later of the two.
          const eph = this.ephemeron(edgeNameOrIndex[e]);
          if (eph && !pendingEphemerons.delete(eph.pair)) {
            pendingEphemerons.add(eph.pair);
            continue;
          }
        }
        distance[t] = next;
        reached[t >>> 5] |= 1 << (t & 31);
        queue[length++] = t;
      }
    }
  }
}
