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
  const parent = scratch;
  const ancestor = new Uint32Array(spare, 0, size);
  const vertex = new Uint32Array(size);
  const least = new Uint32Array(spare, 4 * size, size);
  const dom = new Uint32Array(allocate(4 * size));
  // One array fewer: during the DFS the dominators' slots hold each vertex's next edge, and
  // its preorder number waits in `ancestor`; then they hold the semidominators, each read
  // just before that vertex's dominator overwrites it.
  const nextEdge = dom;
  const number = ancestor;
  let n = 0;
  // A bit per vertex says it is visited: the check made for every edge stays in cache.
  const visited = new Uint32Array((size >>> 5) + 1);

  const dfs = (start: number): void => {
    nextEdge[start] = firstEdge[start - 1];
    let v = start;
    while (v !== 0) {
      if ((visited[v >>> 5] & (1 << (v & 31))) === 0) {
        visited[v >>> 5] |= 1 << (v & 31);
        number[v] = ++n;
        vertex[n] = v;
      }
      let next = parent[v];
      const end = firstEdge[v];
      for (let e = nextEdge[v]; e < end; e++) {
        if (!g.isEssential(e)) continue;
        const w = to[e] + 1;
        if ((visited[w >>> 5] & (1 << (w & 31))) === 0) {
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
  parent[r] = 0;
  dfs(r);
  if (n < count) {
    for (let v = 1; v <= count; v++) {
      if ((visited[v >>> 5] & (1 << (v & 31))) === 0 && hasOnlyNonEssentialRetainers(v - 1)) {
        parent[v] = r;
        dfs(v);
      }
    }
  }
  if (n < count) {
    for (let v = 1; v <= count; v++) {
      if ((visited[v >>> 5] & (1 << (v & 31))) === 0) {
        parent[v] = r;
        number[v] = ++n;
        vertex[n] = v;
      }
    }
  }
  // Semi-NCA needs only the least semidominator on each compressed path, not the vertex
  // that has it (Lengauer–Tarjan's label): `least` holds that number, one indirection fewer
  // on every step. A vertex not yet processed is its own candidate: its preorder number.
  const semi = dom;
  for (let v = 1; v <= count; v++) {
    least[v] = number[v];
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
      if (least[a] < least[w]) least[w] = least[a];
      ancestor[w] = ancestor[a];
    }
  };

  // Semidominators (as preorder numbers), in reverse preorder.
  for (let i = n; i >= 2; i--) {
    const w = vertex[i];
    const wOrdinal = w - 1;
    let orphan = true;
    let best = i;
    for (let k = firstRetainer[wOrdinal]; k < firstRetainer[wOrdinal + 1]; k++) {
      if (!g.isEssentialRetainer(k)) continue;
      orphan = false;
      const v = retainerNode[k] + 1;
      if (ancestor[v] !== 0) compress(v);
      const s = least[v];
      if (s < best) best = s;
    }
    // Orphans count the root (numbered 1) as their only predecessor.
    const sw = orphan ? 1 : best;
    semi[w] = sw;
    least[w] = sw;
    ancestor[w] = parent[w];
  }
  // Each idom is the nearest ancestor, on the tree built so far, numbered at most the
  // semidominator. The compression's memory now holds each vertex's preorder number.
  const preorder = ancestor;
  for (let i = 1; i <= n; i++) preorder[vertex[i]] = i;
  dom[0] = dom[r] = r;
  for (let i = 2; i <= n; i++) {
    const w = vertex[i];
    const sw = semi[w];
    let d = parent[w];
    while (preorder[d] > sw) d = dom[d];
    dom[w] = d;
  }
  // Back to ordinals, in place: big heaps can't spare another two arrays.
  for (let v = 1; v <= count; v++) dom[v - 1] = dom[v] - 1;
  for (let i = 1; i <= n; i++) vertex[i - 1] = vertex[i] - 1;
  return { dominator: dom.subarray(0, count), order: vertex.subarray(0, count) };
}
