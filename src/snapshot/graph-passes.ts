// The passes of the graph's construction that need nothing but numbers, so that on a big heap
// a snapshot worker can run them on the other core (graph-helper.ts) while the graph's own
// thread marks essential edges, measures distances and starts the digest.
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

/** Where `buildRetainers` writes: the nodes holding n are retainerNode[first[n] .. first[n+1]-1]. */
export interface Retainers {
  first: Uint32Array;
  retainerNode: Uint32Array;
  /** A bit per retainer slot: whether its edge can keep the node alive. */
  essential: Uint32Array;
}

export function allocateRetainers(nodeCount: number, edgeCount: number, allocate: (bytes: number) => ArrayBufferLike): Retainers {
  return {
    first: new Uint32Array(allocate(4 * (nodeCount + 1))),
    retainerNode: new Uint32Array(allocate(4 * Math.max(1, edgeCount))),
    essential: new Uint32Array(allocate(4 * ((edgeCount >>> 5) + 1))),
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
 * Retainers by node, in ascending order, with the bits of essential edges, after
 * `countRetainers`. `fill`: nodeCount work slots.
 */
export function fillRetainers(input: PassInput, essentialEdges: Uint32Array, out: Retainers, fill: Uint32Array): void {
  const { nodeCount, firstEdge, edgeToNode: to } = input;
  const { first, retainerNode, essential } = out;
  fill.set(first.subarray(0, nodeCount));
  for (let n = 0; n < nodeCount; n++) {
    for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
      const slot = fill[to[e]]++;
      retainerNode[slot] = n;
      if ((essentialEdges[e >>> 5] & (1 << (e & 31))) !== 0) essential[slot >>> 5] |= 1 << (slot & 31);
    }
  }
}

/**
 * Folds hidden and array nodes owned by exactly one object into that object's shallow size
 * (`sizes`, changed in place), as DevTools shows them. A node is owned by X when X is the only
 * object that reaches it through hidden and array nodes alone; the answer does not depend on
 * the order of the walk. Only for snapshots with user roots (the program's global objects).
 * `owner` and `stack`: nodeCount work slots each.
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
        const current = owner[t];
        if (current === t || current === own || current === MANY) continue;
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

export interface DominatorTree {
  /** Each node's immediate dominator (the root's is itself). */
  dominator: Uint32Array;
  retained: Float64Array;
}

/**
 * The dominator tree over the essential edges and retainers, and retained sizes summed up it.
 * `scratch`: nodes + 1 work slots; `spare`: 8 × (nodes + 1) bytes, work memory first, then
 * the retained sizes; `allocate`: memory for the tree (shared when another thread builds it).
 */
export function buildDominatorTree(
  input: PassInput,
  essentialEdges: Uint32Array,
  retainers: Retainers,
  sizes: Uint32Array | Float64Array,
  scratch: Uint32Array,
  spare: ArrayBufferLike,
  allocate: (bytes: number) => ArrayBufferLike,
): DominatorTree {
  const { nodeCount, rootOrdinal } = input;
  const essential = retainers.essential;
  const graph = {
    nodeCount,
    rootOrdinal,
    firstEdge: input.firstEdge,
    firstRetainer: retainers.first,
    retainerNode: retainers.retainerNode,
    raw: { edgeToNode: input.edgeToNode },
    isEssential: (e: number) => (essentialEdges[e >>> 5] & (1 << (e & 31))) !== 0,
    isEssentialRetainer: (slot: number) => (essential[slot >>> 5] & (1 << (slot & 31))) !== 0,
  };
  const { dominator, order } = computeDominators(graph, scratch, spare, allocate);
  // Children first: `order` lists parents before children.
  const retained = new Float64Array(spare, 0, nodeCount);
  retained.set(sizes);
  for (let k = order.length - 1; k > 0; k--) {
    const n = order[k];
    if (n !== rootOrdinal) retained[dominator[n]] += retained[n];
  }
  return { dominator, retained };
}
