import { isNativeContextName } from './assemble.ts';
import { throwIfCancelled } from '../common/errors.ts';
import { RawSnapshot } from './format.ts';
import { plainMemory, SHARED_FROM_NODES, sharedMemory } from './columns.ts';
import { GraphHelper } from './graph-helper.ts';
import { allocateRetainers, buildDominatorTree, countRetainers, DominatorTree, fillRetainers, PassInput, transferOwnedSizes } from './graph-passes.ts';
import { releaseGarbage } from './memory.ts';

/** Distance given to nodes reachable only through V8's internal roots (DevTools' baseSystemDistance). */
export const SYSTEM_DISTANCE = 100_000_000;
export const UNREACHABLE = 0x7fffffff;

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
   * The nodes holding node n are retainerNode[firstRetainer[n] .. firstRetainer[n+1]-1],
   * in ascending order; `edgeBetween` finds the edge itself, which few queries need.
   */
  firstRetainer!: Uint32Array;
  retainerNode!: Uint32Array;
  /**
   * Shallow sizes, with owned internal arrays folded into their owner as DevTools shows them;
   * 64-bit only when they add up to 4 GB or more (no folded size can outgrow 32 bits then).
   */
  readonly selfSize: Uint32Array | Float64Array;
  private classByType: number[] = [];
  private unknownClass = 0;
  private readonly elementClass = new Map<number, number>();
  /** Per string of the snapshot: whether it names a NativeContext or a map's descriptors (NATIVE_CONTEXT…). */
  private nameFlags!: Uint8Array;
  /** The snapshot's strings; class names the graph derives come after them, in `addedStrings`. */
  private readonly strings: string[];
  private readonly addedStrings: string[] = [];
  distance!: Int32Array;
  dominator!: Uint32Array;
  retainedSize!: Float64Array;
  private essential!: Uint32Array;
  private ephemeronCache: Int8Array;
  private ephemeronInfo = new Map<number, { pair: string; table: number }>();
  private dominatedFirst: Uint32Array | null = null;
  private dominatedList: Uint32Array | null = null;

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
    this.ephemeronCache = new Int8Array(raw.strings.length);
    const sizes = raw.nodeSelfSize;
    let total = 0;
    for (let n = 0; n < sizes.length; n++) total += sizes[n];
    this.selfSize = total > 0xffffffff ? new Float64Array(this.allocate(8 * this.nodeCount)) : new Uint32Array(this.allocate(4 * this.nodeCount));
    this.selfSize.set(sizes);
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
    const helper = this.threads === 2
      ? new GraphHelper({ kind: 'graph', input, sizes: this.selfSize, foldSizes, essentialEdges: essential, retainers, retained, signals: new Int32Array(sharedMemory(8)) })
      : null;
    let tree: DominatorTree;
    try {
      options.onProgress?.('marking essential edges', 0.1);
      this.essential = this.buildEssentialEdges(this.markPageOwned(queue), essential);
      check();
      if (helper) {
        // The other thread builds the retainers and the dominator tree while this one measures
        // distances and does the caller's work that needs no dominators.
        helper.essentialEdgesReady();
        options.onProgress?.('distances', 0.2);
        this.distance = this.computeDistances(queue);
        check();
        await helper.sizesFolded();
        options.onProgress?.('dominators', 0.4);
        options.beforeDominators?.(this, queue);
        check();
        tree = await helper.finished();
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
        tree = buildDominatorTree(input, essential, retainers, this.selfSize, scratch[1], retained.buffer, plainMemory);
      }
    } finally {
      await helper?.stop();
    }
    this.firstRetainer = retainers.first;
    this.retainerNode = retainers.retainerNode;
    this.dominator = tree.dominator;
    this.retainedSize = tree.retained;
    options.onProgress?.('done', 1);
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

  isEssential(e: number): boolean {
    return (this.essential[e >>> 5] & (1 << (e & 31))) !== 0;
  }

  /** V8's context of a realm: 'system / NativeContext', and with a debugger attached '… / <name>'. */
  isNativeContext(n: number): boolean {
    return this.nameFlags[this.raw.nodeName[n]] === NATIVE_CONTEXT;
  }

  /** First edge of `n` with the given name (any type but weak), or -1. */
  findEdge(n: number, name: string): number {
    const known = KNOWN_FLAG.get(name);
    const { element, hidden } = this.edgeTypes;
    for (let e = this.firstEdge[n]; e < this.firstEdge[n + 1]; e++) {
      if (this.isWeakEdge(e)) continue;
      if (known === undefined ? this.edgeName(e) === name : this.raw.edgeType[e] !== element && this.raw.edgeType[e] !== hidden && this.nameFlags[this.raw.edgeNameOrIndex[e]] === known) return e;
    }
    return -1;
  }

  /** Whether string `k` (a node's name, a class index, a property edge's name) is the KNOWN name `code`. */
  nameIs(k: number, code: number): boolean {
    return this.nameFlags[k] === code;
  }

  /** Target of the first edge of `n` with the given name, or -1. */
  child(n: number, name: string): number {
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
      for (let v = 0; v < this.nodeCount; v++) if (v !== this.rootOrdinal) first[this.dominator[v] + 1]++;
      for (let v = 0; v < this.nodeCount; v++) first[v + 1] += first[v];
      const list = new Uint32Array(Math.max(0, this.nodeCount - 1));
      const fill = first.slice(0, this.nodeCount);
      for (let v = 0; v < this.nodeCount; v++) if (v !== this.rootOrdinal) list[fill[this.dominator[v]]++] = v;
      this.dominatedFirst = first;
      this.dominatedList = list;
    }
    return { first: this.dominatedFirst, list: this.dominatedList };
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
    this.classByType = this.raw.nodeTypeNames.map((type) =>
      type === 'object' || type === 'native' ? -1 : index(fixed[type] ?? `(${type})`),
    );
    this.unknownClass = index('(unknown)');
    // '<div id="a">' is of class '<div>'; V8 14 tags the global object 'global (global*)'.
    const count = strings.length;
    const flags = (this.nameFlags = new Uint8Array(count));
    for (let k = 0; k < count; k++) {
      const name = strings[k];
      if (isNativeContextName(name)) flags[k] = NATIVE_CONTEXT;
      else if (name === '(map descriptors)') flags[k] = MAP_DESCRIPTORS;
      else flags[k] = KNOWN_FLAG.get(name) ?? 0;
      const tag = name.includes(' (global') ? GLOBAL_TAG.exec(name) : null;
      if (tag) {
        this.elementClass.set(k, index(name.slice(0, tag.index)));
        continue;
      }
      if (name.charCodeAt(0) !== 60 && !name.startsWith('Detached <')) continue;
      const space = name.indexOf(' ', name.startsWith('<') ? 0 : 10);
      this.elementClass.set(k, space === -1 ? k : index(name.slice(0, space) + '>'));
    }
  }

  /** Class name string index of node `n` (may point past the snapshot's own strings). */
  classIndexOf(n: number): number {
    const t = this.raw.nodeType[n];
    const k = t < this.classByType.length ? this.classByType[t] : this.unknownClass;
    if (k !== -1) return k;
    const name = this.raw.nodeName[n];
    return this.elementClass.get(name) ?? name;
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
   * What the program owns (reachable from user roots), as opposed to the debugger's
   * handles; null when the snapshot has no user roots.
   */
  private markPageOwned(stack: Uint32Array): Uint8Array | null {
    const { raw, firstEdge, rootOrdinal, nodeCount } = this;
    const owned = new Uint8Array(nodeCount);
    let top = 0;
    for (let e = firstEdge[rootOrdinal]; e < firstEdge[rootOrdinal + 1]; e++) {
      const t = raw.edgeToNode[e];
      const type = raw.edgeType[e];
      const documentTrees = type === this.edgeTypes.element && this.name(t) === '(Document DOM trees)';
      if (type !== this.edgeTypes.shortcut && !documentTrees) continue;
      if (!owned[t]) {
        owned[t] = 1;
        stack[top++] = t;
      }
    }
    if (top === 0) return null;
    while (top > 0) {
      const n = stack[--top];
      for (let e = firstEdge[n]; e < firstEdge[n + 1]; e++) {
        const t = raw.edgeToNode[e];
        if (owned[t] || raw.edgeType[e] === this.edgeTypes.weak) continue;
        owned[t] = 1;
        stack[top++] = t;
      }
    }
    return owned;
  }

  /** Parses (once per string) whether an internal edge name is a WeakMap ephemeron edge. */
  ephemeron(nameIndex: number): { pair: string; table: number } | null {
    const cached = this.ephemeronCache[nameIndex];
    if (cached === 1) return null;
    if (cached === 2) return this.ephemeronInfo.get(nameIndex)!;
    const match = EPHEMERON_NAME.exec(this.strings[nameIndex] ?? '');
    if (!match?.groups) {
      this.ephemeronCache[nameIndex] = 1;
      return null;
    }
    const info = { pair: match.groups.pair, table: Number(match.groups.table) };
    this.ephemeronCache[nameIndex] = 2;
    this.ephemeronInfo.set(nameIndex, info);
    return info;
  }

  /**
   * Edges that can keep their target alive: not weak, not a self edge, shortcuts only from
   * the root, not from the debugger's objects into the program's, and for WeakMap values
   * only the edge from the key (the table's edge is left out, as DevTools does).
   */
  private buildEssentialEdges(pageOwned: Uint8Array | null, bits: Uint32Array): Uint32Array {
    const { raw, firstEdge, nodeCount, rootOrdinal } = this;
    const { weak, shortcut, internal } = this.edgeTypes;
    for (let n = 0; n < nodeCount; n++) {
      const ownedFrom = pageOwned ? pageOwned[n] : 1;
      for (let e = firstEdge[n]; e < firstEdge[n + 1]; e++) {
        const type = raw.edgeType[e];
        if (type === weak) continue;
        const t = raw.edgeToNode[e];
        if (t === n) continue;
        if (n !== rootOrdinal) {
          if (type === shortcut) continue;
          if (pageOwned && pageOwned[t] && !ownedFrom) continue;
        }
        if (type === internal) {
          const eph = this.ephemeron(raw.edgeNameOrIndex[e]);
          if (eph && eph.table === raw.nodeId[n]) continue;
        }
        bits[e >>> 5] |= 1 << (e & 31);
      }
    }
    return bits;
  }

  /** BFS from the user roots (distance 1), then from the root for what only the system holds. */
  private computeDistances(queue: Uint32Array): Int32Array {
    const { nodeCount, rootOrdinal } = this;
    const distance = new Int32Array(nodeCount).fill(UNREACHABLE);
    const users = this.userRoots();
    let length = 0;
    for (const u of users) {
      if (distance[u] !== UNREACHABLE) continue;
      distance[u] = 1;
      queue[length++] = u;
    }
    this.bfs(queue, length, distance);
    distance[rootOrdinal] = users.length > 0 ? SYSTEM_DISTANCE : 0;
    queue[0] = rootOrdinal;
    // Without user roots (a snapshot V8 wrote on its own near the heap limit, mid-allocation),
    // the running code's stack and handles reach what it holds in two steps. They are measured
    // as farther than anything else, so that paths run through the program's own references.
    const transient = users.length === 0 ? this.transientRoots() : [];
    for (const node of transient) distance[node] = 0;
    this.bfs(queue, 1, distance);
    if (transient.length > 0) {
      let farthest = 0;
      for (let n = 0; n < nodeCount; n++) if (distance[n] !== UNREACHABLE && distance[n] > farthest) farthest = distance[n];
      for (const node of transient) distance[node] = farthest + 1;
      queue.set(transient);
      this.bfs(queue, transient.length, distance);
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

  private bfs(queue: Uint32Array, length: number, distance: Int32Array): void {
    const { raw, firstEdge } = this;
    const { weak, internal, element, hidden } = this.edgeTypes;
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
      for (let e = firstEdge[n]; e < firstEdge[n + 1]; e++) {
        const type = raw.edgeType[e];
        if (type === weak) continue;
        const t = raw.edgeToNode[e];
        if (distance[t] !== UNREACHABLE) continue;
        if (nativeContext && this.edgeName(e) === 'sloppy_function_map') continue;
        // Older V8 links the global object straight to its NativeContext, V8 14 does not: left
        // out, every version measures the context's slots (promise hooks, error_function…) the
        // same, and paths through them are not shorter than the program's own.
        if (next === 2 && type === internal && this.isNativeContext(t)) continue;
        if (descriptors) {
          // Maps share descriptor arrays, so most descriptor links don't hold for this map.
          const index = type === element || type === hidden ? raw.edgeNameOrIndex[e] : parseInt(this.edgeName(e), 10);
          if (index >= 2 && index % 3 === 1) continue;
        }
        if (type === internal) {
          // A WeakMap value is reached from the table and from the key: count the later of the two.
          const eph = this.ephemeron(raw.edgeNameOrIndex[e]);
          if (eph && !pendingEphemerons.delete(eph.pair)) {
            pendingEphemerons.add(eph.pair);
            continue;
          }
        }
        distance[t] = next;
        queue[length++] = t;
      }
    }
  }
}
