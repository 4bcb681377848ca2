/** The graph shape the dominator computation needs (HeapGraph, or a test graph). */
export interface DominatorInput {
  readonly nodeCount: number;
  readonly rootOrdinal: number;
  readonly firstEdge: Uint32Array;
  readonly firstRetainer: Uint32Array;
  readonly retainerNode: Uint32Array;
  readonly raw: { readonly edgeToNode: Uint32Array };
  /** Whether an edge, or the edge behind a retainer slot, can keep its target alive. */
  isEssential(edge: number): boolean;
  isEssentialRetainer(slot: number): boolean;
}

/**
 * Immediate dominators by Semi-NCA (Georgiadis, Tarjan, Werneck: semidominators as in
 * Lengauer–Tarjan, then each idom found by walking up the tree built so far). It needs two
 * node-sized arrays fewer than Lengauer–Tarjan's buckets, which on a big heap is what decides
 * the peak, and is as fast on heaps. Iterative throughout so a deep heap cannot overflow the
 * stack.
 *
 * Only essential edges count. Nodes unreachable from the root are
 * handled as DevTools does: those whose only retainers are non-essential (weak) start a
 * DFS of their own under the root; whatever is still left hangs directly off the root.
 *
 * Returns the dominator of every node (the root's is itself) and the DFS preorder, in
 * which every node comes after its dominator.
 */
export function computeDominators(
  g: DominatorInput,
  /** A node-sized work array (nodes + 1 slots). */
  scratch: Uint32Array,
  /** At least 8 × (nodes + 1) bytes the caller needs only afterwards: two work arrays live there meanwhile. */
  spare: ArrayBufferLike,
  /** Memory for the dominators (shared when another thread computes them). */
  allocate: (bytes: number) => ArrayBufferLike,
): { dominator: Uint32Array; order: Uint32Array } {
  const count = g.nodeCount;
  const { firstEdge, firstRetainer, retainerNode } = g;
  const to = g.raw.edgeToNode;
  // Vertices are numbered ordinal + 1 so that 0 can mean "none", as in the paper.
  const size = count + 1;
  const parent = scratch.fill(0);
  const ancestor = new Uint32Array(spare, 0, size).fill(0);
  const vertex = new Uint32Array(size);
  const label = new Uint32Array(spare, 4 * size, size).fill(0);
  const dom = new Uint32Array(allocate(4 * size));
  // One array fewer: during the DFS the dominators' slots hold each vertex's next edge, and
  // its preorder number waits in `ancestor`; then they hold the semidominators, each read
  // just before that vertex's dominator overwrites it. A vertex is visited once it has a label.
  const nextEdge = dom;
  const number = ancestor;
  let n = 0;

  const dfs = (start: number): void => {
    nextEdge[start] = firstEdge[start - 1];
    let v = start;
    while (v !== 0) {
      if (label[v] === 0) {
        number[v] = ++n;
        vertex[n] = label[v] = v;
      }
      let next = parent[v];
      const end = firstEdge[v];
      for (let e = nextEdge[v]; e < end; e++) {
        if (!g.isEssential(e)) continue;
        const w = to[e] + 1;
        if (label[w] === 0) {
          parent[w] = v;
          nextEdge[w] = firstEdge[w - 1];
          nextEdge[v] = e + 1;
          next = w;
          break;
        }
      }
      if (next === parent[v]) nextEdge[v] = end;
      v = next;
    }
  };

  const hasOnlyNonEssentialRetainers = (ordinal: number): boolean => {
    for (let r = firstRetainer[ordinal]; r < firstRetainer[ordinal + 1]; r++) {
      if (g.isEssentialRetainer(r)) return false;
    }
    return true;
  };

  const r = g.rootOrdinal + 1;
  dfs(r);
  if (n < count) {
    for (let v = 1; v <= count; v++) {
      if (label[v] === 0 && hasOnlyNonEssentialRetainers(v - 1)) {
        parent[v] = r;
        dfs(v);
      }
    }
  }
  if (n < count) {
    for (let v = 1; v <= count; v++) {
      if (label[v] === 0) {
        parent[v] = r;
        number[v] = ++n;
        vertex[n] = label[v] = v;
      }
    }
  }
  const semi = dom;
  for (let v = 1; v <= count; v++) {
    semi[v] = number[v];
    ancestor[v] = 0;
  }

  // Path compression walks are short on real heaps: a plain array grows as far as needed.
  const compression: number[] = [];
  const compress = (start: number): void => {
    let v = start;
    while (ancestor[ancestor[v]] !== 0) {
      compression.push(v);
      v = ancestor[v];
    }
    while (compression.length > 0) {
      const w = compression.pop()!;
      const a = ancestor[w];
      if (semi[label[a]] < semi[label[w]]) label[w] = label[a];
      ancestor[w] = ancestor[a];
    }
  };

  // Semidominators (as preorder numbers), in reverse preorder.
  for (let i = n; i >= 2; i--) {
    const w = vertex[i];
    const wOrdinal = w - 1;
    let orphan = true;
    let best = semi[w];
    for (let k = firstRetainer[wOrdinal]; k < firstRetainer[wOrdinal + 1]; k++) {
      if (!g.isEssentialRetainer(k)) continue;
      orphan = false;
      const v = retainerNode[k] + 1;
      let u = v;
      if (ancestor[v] !== 0) {
        compress(v);
        u = label[v];
      }
      if (semi[u] < best) best = semi[u];
    }
    // Orphans count the root as their only predecessor.
    semi[w] = orphan ? semi[r] : best;
    ancestor[w] = parent[w];
  }
  // Each idom is the nearest ancestor, on the tree built so far, numbered at most the
  // semidominator. The compression's memory now holds each vertex's preorder number.
  const preorder = ancestor;
  for (let i = 1; i <= n; i++) preorder[vertex[i]] = i;
  dom[0] = dom[r] = r;
  for (let i = 2; i <= n; i++) {
    const w = vertex[i];
    let d = parent[w];
    while (preorder[d] > semi[w]) d = dom[d];
    dom[w] = d;
  }
  // Back to ordinals, in place: big heaps can't spare another two arrays.
  for (let v = 1; v <= count; v++) dom[v - 1] = dom[v] - 1;
  for (let i = 1; i <= n; i++) vertex[i - 1] = vertex[i] - 1;
  return { dominator: dom.subarray(0, count), order: vertex.subarray(0, count) };
}
