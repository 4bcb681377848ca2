// The engine's answers recomputed the plain way, to check that its fast paths (the parallel
// reader, Semi-NCA with borrowed buffers, the series of digests) keep them: the file
// read with JSON.parse, dominators by the iterative algorithm of Cooper, Harvey and Kennedy
// ("A Simple, Fast Dominance Algorithm"), retained sizes summed over the dominator tree.
// Which edges hold and each node's shallow size are the engine's rules, taken from its graph
// (their own tests are in test/unit); the algorithms here share no code with it.
import { readFileSync } from 'node:fs';
import type { HeapGraph } from '../../src/snapshot/graph.ts';

export interface ReferenceSnapshot {
  nodeCount: number;
  ids: number[];
  types: string[];
  names: string[];
  selfSizes: number[];
  /** Per node, its edges as [first, end) in `edgeTo`, in file order. */
  firstEdge: number[];
  edgeTo: number[];
  edgeTypes: string[];
}

/** A snapshot file read with JSON.parse. */
export function readReference(file: string): ReferenceSnapshot {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const meta = doc.snapshot.meta;
  const width: number = meta.node_fields.length;
  const edgeWidth: number = meta.edge_fields.length;
  const field = (name: string) => meta.node_fields.indexOf(name);
  const [type, name, id, self, edgeCount] = ['type', 'name', 'id', 'self_size', 'edge_count'].map(field);
  const nodeCount = doc.nodes.length / width;
  const snapshot: ReferenceSnapshot = { nodeCount, ids: [], types: [], names: [], selfSizes: [], firstEdge: [], edgeTo: [], edgeTypes: [] };
  let edge = 0;
  for (let n = 0; n < nodeCount; n++) {
    const at = n * width;
    snapshot.ids.push(doc.nodes[at + id]);
    snapshot.types.push(meta.node_types[0][doc.nodes[at + type]]);
    snapshot.names.push(doc.strings[doc.nodes[at + name]]);
    snapshot.selfSizes.push(doc.nodes[at + self]);
    snapshot.firstEdge.push(edge);
    for (let k = 0; k < doc.nodes[at + edgeCount]; k++, edge++) {
      snapshot.edgeTypes.push(meta.edge_types[0][doc.edges[edge * edgeWidth]]);
      snapshot.edgeTo.push(doc.edges[edge * edgeWidth + 2] / width);
    }
  }
  snapshot.firstEdge.push(edge);
  return snapshot;
}

/**
 * Immediate dominators over the edges the engine counts as holding, and how many nodes the
 * root does not reach through them.
 */
export function referenceDominators(s: ReferenceSnapshot, g: HeapGraph): { dominators: number[]; unreachable: number } {
  const root = g.rootOrdinal;
  const successors: number[][] = Array.from({ length: s.nodeCount }, () => []);
  const predecessors: number[][] = Array.from({ length: s.nodeCount }, () => []);
  for (let n = 0; n < s.nodeCount; n++) {
    for (let e = s.firstEdge[n]; e < s.firstEdge[n + 1]; e++) {
      if (!g.isEssential(e)) continue;
      successors[n].push(s.edgeTo[e]);
      predecessors[s.edgeTo[e]].push(n);
    }
  }
  // Reverse postorder from the root; then from each node left over, under the root.
  const postorder: number[] = [];
  const seen = new Uint8Array(s.nodeCount);
  const walk = (start: number) => {
    const stack: Array<[node: number, next: number]> = [[start, 0]];
    seen[start] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [n, next] = top;
      if (next < successors[n].length) {
        top[1]++;
        const t = successors[n][next];
        if (!seen[t]) {
          seen[t] = 1;
          stack.push([t, 0]);
        }
      } else {
        postorder.push(n);
        stack.pop();
      }
    }
  };
  walk(root);
  const unreachable = s.nodeCount - postorder.length;
  // What nothing holds starts a walk of its own under the root (what it leads to hangs from
  // it); whatever is still left (cycles held only weakly from outside) hangs off the root.
  for (let n = 0; n < s.nodeCount; n++) {
    if (seen[n] || predecessors[n].length > 0) continue;
    successors[root].push(n);
    predecessors[n].push(root);
    walk(n);
  }
  const left = [];
  for (let n = 0; n < s.nodeCount; n++) {
    if (seen[n]) continue;
    left.push(n);
    successors[root].push(n);
    predecessors[n].push(root);
  }
  for (const n of left) if (!seen[n]) walk(n);
  const order = postorder.reverse();
  order.splice(order.indexOf(root), 1);
  order.unshift(root);
  const rank = new Int32Array(s.nodeCount);
  order.forEach((n, k) => (rank[n] = order.length - k));
  const idom = new Int32Array(s.nodeCount).fill(-1);
  idom[root] = root;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (rank[a] < rank[b]) a = idom[a];
      while (rank[b] < rank[a]) b = idom[b];
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const n of order) {
      if (n === root) continue;
      let next = -1;
      for (const p of predecessors[n]) {
        if (idom[p] < 0) continue;
        next = next < 0 ? p : intersect(p, next);
      }
      if (next !== idom[n]) {
        idom[n] = next;
        changed = true;
      }
    }
  }
  return { dominators: [...idom], unreachable };
}

/** Each node's shallow size (the engine's, after it folds owned arrays in) summed over its dominator subtree. */
export function referenceRetainedSizes(dominators: number[], g: HeapGraph): number[] {
  const retained = Array.from({ length: dominators.length }, (_, n) => g.selfSize[n]);
  const depth = new Int32Array(dominators.length).fill(-1);
  depth[g.rootOrdinal] = 0;
  for (let n = 0; n < dominators.length; n++) {
    const path: number[] = [];
    for (let x = n; depth[x] < 0; x = dominators[x]) path.push(x);
    for (let k = path.length - 1; k >= 0; k--) depth[path[k]] = depth[dominators[path[k]]] + 1;
  }
  const deepestFirst = dominators.map((_, n) => n).sort((a, b) => depth[b] - depth[a]);
  for (const n of deepestFirst) if (n !== g.rootOrdinal) retained[dominators[n]] += retained[n];
  return retained;
}
