// The passes of the graph's construction that need nothing but numbers, so that on a big heap
// a snapshot worker can run them on the other core (graph-helper.ts): retainers, half of the
// essential edges, the dominator tree, retained sizes and their sums by class, while the
// graph's own thread marks the other half, measures distances, folds sizes and starts the digest.
import { grown } from './columns.ts';
import { computeDominators } from './dominators.ts';

/** The columns and type ids the passes read. Arrays may live in shared memory. */
export interface PassInput {
  nodeCount: number;
  edgeCount: number;
  rootOrdinal: number;
  firstEdge: Uint32Array;
  edgeToNode: Uint32Array;
  edgeType: Uint8Array;
  nodeType: Uint8Array;
  /** Node and edge type ids (-1 where the snapshot has no such type). */
  types: { hidden: number; array: number; synthetic: number; weak: number };
}

/** What decides whether an edge can keep its target alive (`markEssentialEdges`). Arrays may be shared. */
export interface EssentialInput {
  firstEdge: Uint32Array;
  edgeType: Uint8Array;
  edgeToNode: Uint32Array;
  edgeNameOrIndex: Uint32Array;
  nodeId: Uint32Array;
  rootOrdinal: number;
  types: { weak: number; shortcut: number; internal: number };
  /** A bit per node, set where the program's own roots reach it; null when the snapshot has none. */
  pageOwned: Uint32Array | null;
  /** Per string: the id of the WeakMap table whose ephemeron edges have that name, or -1. */
  ephemeronTable: Float64Array;
}

/**
 * Sets the bits of the edges of nodes [from, to) that can keep their target alive: not weak,
 * not a self edge, shortcuts only from the root, not from the debugger's objects into the
 * program's, and for WeakMap values only the edge from the key (the table's edge is left out,
 * as DevTools does). Another thread may mark the nodes beside: the words the two ranges can
 * share are written atomically.
 */
export function markEssentialEdges(input: EssentialInput, from: number, to: number, bits: Uint32Array): void {
  const { firstEdge, edgeType, edgeToNode, edgeNameOrIndex, nodeId, rootOrdinal, pageOwned, ephemeronTable } = input;
  const { weak, shortcut, internal } = input.types;
  const start = firstEdge[from];
  const end = firstEdge[to];
  if (start === end) return;
  const firstWord = start >>> 5;
  const lastWord = (end - 1) >>> 5;
  const store = (w: number, word: number) => {
    if (w === firstWord || w === lastWord) Atomics.or(bits, w, word);
    else bits[w] = word;
  };
  let w = firstWord;
  let word = 0;
  for (let n = from; n < to; n++) {
    // Edges from what the program does not own into what it owns are the debugger's.
    const fromOutside = pageOwned !== null && n !== rootOrdinal && (pageOwned[n >>> 5] & (1 << (n & 31))) === 0;
    for (let e = firstEdge[n], last = firstEdge[n + 1]; e < last; e++) {
      if (e >>> 5 !== w) {
        store(w, word);
        w = e >>> 5;
        word = 0;
      }
      const type = edgeType[e];
      if (type === weak) continue;
      const t = edgeToNode[e];
      if (t === n) continue;
      if (n !== rootOrdinal && type === shortcut) continue;
      if (fromOutside && (pageOwned[t >>> 5] & (1 << (t & 31))) !== 0) continue;
      if (type === internal && ephemeronTable[edgeNameOrIndex[e]] === nodeId[n]) continue;
      word |= 1 << (e & 31);
    }
  }
  store(w, word);
}

/** The high bit of a retainer slot: its edge cannot keep the node alive (weak, a shortcut…). */
export const NOT_ESSENTIAL = 0x80000000;

/**
 * Where `fillRetainers` writes: the nodes holding n are retainerNode[first[n] .. first[n+1]-1],
 * each with NOT_ESSENTIAL set where its edge is not essential (a node ordinal is below 2^31).
 */
export interface Retainers {
  first: Uint32Array;
  retainerNode: Uint32Array;
}

export function allocateRetainers(nodeCount: number, edgeCount: number, allocate: (bytes: number) => ArrayBufferLike): Retainers {
  return {
    first: new Uint32Array(allocate(4 * (nodeCount + 1))),
    retainerNode: new Uint32Array(allocate(4 * Math.max(1, edgeCount))),
  };
}

/** Where each node's retainers will start (`first`): needs only the edges, not which are essential. */
export function countRetainers(input: PassInput, out: Retainers): void {
  const { nodeCount, edgeCount, edgeToNode: to } = input;
  const { first } = out;
  for (let e = 0; e < edgeCount; e++) first[to[e] + 1]++;
  for (let n = 0; n < nodeCount; n++) first[n + 1] += first[n];
}

/**
 * Retainers by node, in ascending order, marked NOT_ESSENTIAL where their edge is not, after
 * `countRetainers`. `fill`: nodeCount work slots.
 */
export function fillRetainers(input: PassInput, essentialEdges: Uint32Array, out: Retainers, fill: Uint32Array): void {
  const { nodeCount, firstEdge, edgeToNode: to } = input;
  const { first, retainerNode } = out;
  fill.set(first.subarray(0, nodeCount));
  for (let n = 0; n < nodeCount; n++) {
    const notEssential = (n | NOT_ESSENTIAL) >>> 0;
    for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
      retainerNode[fill[to[e]]++] = (essentialEdges[e >>> 5] & (1 << (e & 31))) !== 0 ? n : notEssential;
    }
  }
}

/**
 * Folds hidden and array nodes owned by exactly one object into that object's shallow size
 * (`sizes`, changed in place), as DevTools shows them. A node is owned by X when X is the only
 * object that reaches it through hidden and array nodes alone; the answer does not depend on
 * the order of the walk. Only for snapshots with user roots (the program's global objects).
 * `owner`: nodeCount work slots; `stack`: any number (a walk that outgrows it spills over).
 */
export function transferOwnedSizes(input: PassInput, sizes: Uint32Array | Float64Array, owner: Uint32Array, stack: Uint32Array): void {
  const { nodeCount, firstEdge, edgeToNode, edgeType, nodeType, rootOrdinal } = input;
  const { hidden, array, synthetic, weak } = input.types;
  const UNVISITED = 0xffffffff;
  const MANY = 0xfffffffe;
  for (let n = 0; n < nodeCount; n++) {
    const t = nodeType[n];
    owner[n] = t === hidden || t === array ? UNVISITED : n;
  }
  // A node is pushed at most twice (owned, then shared); the rare walk that outgrows the
  // typed stack spills into a plain array.
  const spill: number[] = [];
  for (let root = 0; root < nodeCount; root++) {
    if (owner[root] !== root) continue;
    let top = 0;
    stack[top++] = root;
    while (top > 0 || spill.length > 0) {
      const n = spill.length > 0 ? spill.pop()! : stack[--top];
      const own = owner[n];
      for (let e = firstEdge[n]; e < firstEdge[n + 1]; e++) {
        if (edgeType[e] === weak) continue;
        const t = edgeToNode[e];
        // Types first: a quarter of the memory of owners, so mostly in cache.
        const type = nodeType[t];
        if (type !== hidden && type !== array) continue;
        const current = owner[t];
        if (current === own || current === MANY) continue;
        owner[t] = current === UNVISITED ? own : MANY;
        if (top < stack.length) stack[top++] = t;
        else spill.push(t);
      }
    }
  }
  for (let n = 0; n < nodeCount; n++) {
    const own = owner[n];
    if (own === UNVISITED || own === MANY || own === n) continue;
    if (nodeType[own] === synthetic || own === rootOrdinal) continue;
    sizes[own] += sizes[n];
    sizes[n] = 0;
  }
}

/**
 * DevTools' class of a node, by string index: per node type, or for objects and natives per
 * name (`byName`, mostly the name itself). Arrays, so that another thread can ask it too.
 */
export interface ClassTable {
  /** Per node type id: the class, or -1 where the name decides. */
  byType: Int32Array;
  byName: Uint32Array;
  /** For a node type the snapshot's meta does not list. */
  unknown: number;
}

export function classOf(table: ClassTable, nodeType: Uint8Array, nodeName: Uint32Array, n: number): number {
  const t = nodeType[n];
  const k = t < table.byType.length ? table.byType[t] : table.unknown;
  if (k !== -1) return k;
  const name = nodeName[n];
  return name < table.byName.length ? table.byName[name] : name;
}

/**
 * The dominator tree downwards: the nodes d immediately dominates are list[first[d] ..
 * first[d+1]-1], ascending. `first`: nodes + 1 slots; `list`: nodes - 1.
 */
export function buildDominatorChildren(dominator: Uint32Array, rootOrdinal: number, first: Uint32Array, list: Uint32Array): void {
  const nodeCount = dominator.length;
  // first[d + 1] counts d's children, then ends d's range; filled from the back, it ends up
  // at d's start, one slot too far up: shifted down, no second array is needed.
  first.fill(0);
  for (let v = 0; v < nodeCount; v++) if (v !== rootOrdinal) first[dominator[v] + 1]++;
  for (let v = 0; v < nodeCount; v++) first[v + 1] += first[v];
  for (let v = nodeCount - 1; v >= 0; v--) if (v !== rootOrdinal) list[--first[dominator[v] + 1]] = v;
  first.copyWithin(0, 1, nodeCount + 1);
  first[nodeCount] = nodeCount - 1;
}

/**
 * Retained sizes by class, as DevTools sums them: an object counts only when no dominator
 * above it is of its class, so a linked list of Nodes is not counted once per link. Adds into
 * `out`, by class string index.
 */
export function sumRetainedByClass(
  tree: { rootOrdinal: number; first: Uint32Array; list: Uint32Array; selfSize: Uint32Array | Float64Array; retained: Float64Array },
  classOfNode: (n: number) => number,
  out: Float64Array,
): void {
  const { rootOrdinal, first, list, selfSize, retained } = tree;
  // How many open ancestors each class has, on the path from the root.
  const open = new Uint32Array(out.length);
  // The path: each node, its next child, whether it was counted. As deep as the tree, which a
  // long linked list makes deep.
  let path = new Uint32Array(1024);
  let nextChild = new Uint32Array(1024);
  let counted = new Uint8Array(1024);
  let depth = 1;
  path[0] = rootOrdinal;
  nextChild[0] = first[rootOrdinal];
  while (depth > 0) {
    const n = path[depth - 1];
    const i = nextChild[depth - 1];
    if (i === first[n + 1]) {
      depth--;
      if (counted[depth]) open[classOfNode(n)]--;
      continue;
    }
    nextChild[depth - 1] = i + 1;
    const c = list[i];
    const k = classOfNode(c);
    const counts = selfSize[c] > 0 && open[k] === 0;
    if (counts) out[k] += retained[c];
    if (first[c] === first[c + 1]) continue;
    if (depth === path.length) {
      path = grown(path);
      nextChild = grown(nextChild);
      counted = grown(counted);
    }
    if (counts) open[k]++;
    path[depth] = c;
    nextChild[depth] = first[c];
    counted[depth++] = counts ? 1 : 0;
  }
}

/**
 * The dominator tree over the essential edges and retainers, and the order to sum retained
 * sizes in (`retainedSizes`). `scratch`: nodes + 1 work slots; `spare`: 8 × (nodes + 1) bytes of
 * work memory; `allocate`: memory for the tree (shared when another thread builds it).
 */
export function buildDominatorTree(
  input: PassInput,
  essentialEdges: Uint32Array,
  retainers: Retainers,
  scratch: Uint32Array,
  spare: ArrayBufferLike,
  allocate: (bytes: number) => ArrayBufferLike,
): { dominator: Uint32Array; order: Uint32Array } {
  const { retainerNode } = retainers;
  const graph = {
    nodeCount: input.nodeCount,
    rootOrdinal: input.rootOrdinal,
    firstEdge: input.firstEdge,
    firstRetainer: retainers.first,
    retainerNode,
    raw: { edgeToNode: input.edgeToNode },
    isEssential: (e: number) => (essentialEdges[e >>> 5] & (1 << (e & 31))) !== 0,
    isEssentialRetainer: (slot: number) => retainerNode[slot] < NOT_ESSENTIAL,
  };
  return computeDominators(graph, scratch, spare, allocate);
}

/** Retained sizes into `retained` (nodes slots), summed up the tree in `order` (parents before children). */
export function retainedSizes(tree: { dominator: Uint32Array; order: Uint32Array }, rootOrdinal: number, sizes: Uint32Array | Float64Array, retained: Float64Array): void {
  const { dominator, order } = tree;
  retained.set(sizes);
  for (let k = order.length - 1; k > 0; k--) {
    const n = order[k];
    if (n !== rootOrdinal) retained[dominator[n]] += retained[n];
  }
}

