import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSnapshotBuffer } from '../../src/snapshot/snapshot-file.ts';
import { HeapGraph } from '../../src/snapshot/graph.ts';
import { buildSnapshot, TestNode } from '../helpers/snapshot-builder.ts';

function graphOf(nodes: TestNode[]): Promise<HeapGraph> {
  return HeapGraph.build(parseSnapshotBuffer(Buffer.from(buildSnapshot(nodes))));
}

// root -> (GC roots) -> A; A -> B, A -> C; B -> D; C -> D; D -> E
// D is reached through B and C, so A dominates it; E hangs under D.
const diamond: TestNode[] = [
  { type: 'synthetic', name: '', edges: [{ type: 'element', name: 1, to: 1 }] },
  { type: 'synthetic', name: '(GC roots)', edges: [{ type: 'element', name: 1, to: 2 }] },
  { name: 'A', self: 10, edges: [{ name: 'b', to: 3 }, { name: 'c', to: 4 }] },
  { name: 'B', self: 20, edges: [{ name: 'd', to: 5 }] },
  { name: 'C', self: 30, edges: [{ name: 'd', to: 5 }] },
  { name: 'D', self: 40, edges: [{ name: 'e', to: 6 }] },
  { name: 'E', self: 50 },
];

test('dominator tree and retained sizes of a diamond', async () => {
  const g = await graphOf(diamond);
  assert.deepEqual([...g.dominator], [0, 0, 1, 2, 2, 2, 5]);
  assert.deepEqual([...g.retainedSize], [150, 150, 150, 20, 30, 90, 50]);
  assert.deepEqual([...g.dominated(2)].sort(), [3, 4, 5]);
  assert.deepEqual([...g.distance].slice(0, 7), [0, 1, 2, 3, 3, 4, 5]);
});

test('weak edges keep nothing alive', async () => {
  const nodes = structuredClone(diamond);
  // B only weakly refers to D now; C's strong edge alone holds D.
  nodes[3].edges = [{ type: 'weak', name: 'd', to: 5 }];
  const g = await graphOf(nodes);
  assert.equal(g.dominator[5], 4, 'C dominates D');
  assert.equal(g.retainedSize[4], 30 + 40 + 50);
  assert.equal(g.retainedSize[3], 20);
});

test('shortcut edges count only from the root', async () => {
  const nodes = structuredClone(diamond);
  nodes[3].edges = [{ type: 'shortcut', name: 'd', to: 5 }];
  const g = await graphOf(nodes);
  assert.equal(g.dominator[5], 4);
});

test('an object held only weakly is retained by nothing else', async () => {
  const nodes: TestNode[] = [
    { type: 'synthetic', name: '', edges: [{ type: 'element', name: 1, to: 1 }] },
    { type: 'synthetic', name: '(GC roots)', edges: [{ type: 'element', name: 1, to: 2 }] },
    { name: 'Holder', self: 8, edges: [{ type: 'weak', name: 'w', to: 3 }] },
    { name: 'Weakly held', self: 100, edges: [{ name: 'x', to: 4 }] },
    { name: 'Child', self: 5 },
  ];
  const g = await graphOf(nodes);
  assert.equal(g.retainedSize[2], 8);
  assert.equal(g.dominator[3], 0, 'hangs off the root');
  assert.equal(g.retainedSize[3], 105);
});

test('a deep chain does not overflow the stack', async () => {
  const depth = 200_000;
  const nodes: TestNode[] = [{ type: 'synthetic', name: '', edges: [{ type: 'element', name: 1, to: 1 }] }];
  for (let k = 1; k <= depth; k++) nodes.push({ name: 'Link', self: 1, edges: k < depth ? [{ name: 'next', to: k + 1 }] : [] });
  const g = await graphOf(nodes);
  assert.equal(g.retainedSize[1], depth);
  assert.equal(g.dominator[depth], depth - 1);
});

/** Slow but obviously right: d dominates v iff v is unreachable from the root once d is removed. */
function naiveDominators(count: number, edges: Array<[number, number]>): number[] {
  const out: number[][] = Array.from({ length: count }, () => []);
  for (const [a, b] of edges) out[a].push(b);
  const reach = (removed: number) => {
    const seen = new Uint8Array(count);
    if (removed === 0) return seen;
    const stack = [0];
    seen[0] = 1;
    while (stack.length) {
      for (const t of out[stack.pop()!]) {
        if (t === removed || seen[t]) continue;
        seen[t] = 1;
        stack.push(t);
      }
    }
    return seen;
  };
  const reachable = reach(-1);
  const dominators: number[][] = Array.from({ length: count }, () => []);
  for (let d = 0; d < count; d++) {
    const seen = reach(d);
    for (let v = 0; v < count; v++) if (v !== d && reachable[v] && !seen[v]) dominators[v].push(d);
  }
  // The immediate dominator is the strict dominator dominated by all the others.
  return dominators.map((ds, v) => {
    if (v === 0 || !reachable[v]) return 0;
    return ds.find((d) => ds.every((o) => o === d || dominators[d].includes(o))) ?? 0;
  });
}

function random(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

test('Semi-NCA agrees with the naive definition on random graphs', async () => {
  for (let trial = 0; trial < 150; trial++) {
    const rnd = random(trial + 1);
    const count = 2 + Math.floor(rnd() * 40);
    const edges: Array<[number, number]> = [];
    const weak: Array<[number, number]> = [];
    const density = 1 + rnd() * 3;
    // A random spanning tree keeps every node reachable (orphans have their own rule, tested above).
    for (let v = 1; v < count; v++) edges.push([Math.floor(rnd() * v), v]);
    for (let k = 0; k < count * density; k++) {
      (rnd() < 0.15 ? weak : edges).push([Math.floor(rnd() * count), Math.floor(rnd() * count)]);
    }
    const nodes: TestNode[] = Array.from({ length: count }, (_, v) => ({
      type: v === 0 ? 'synthetic' : 'object',
      name: `N${v}`,
      self: 1 + Math.floor(rnd() * 100),
      edges: [
        ...edges.filter(([a]) => a === v).map(([, b], k) => ({ type: 'element', name: k, to: b })),
        ...weak.filter(([a]) => a === v).map(([, b]) => ({ type: 'weak', name: 'w', to: b })),
      ],
    }));
    const g = await graphOf(nodes);
    const expected = naiveDominators(count, edges);
    for (let v = 1; v < count; v++) {
      assert.equal(g.dominator[v], expected[v], `trial ${trial}: idom(${v})`);
    }
    // Retained size = sum of self sizes over the dominator subtree.
    for (let v = 0; v < count; v++) {
      let sum = 0;
      for (let w = 0; w < count; w++) {
        let x = w;
        while (x !== v && x !== 0) x = g.dominator[x];
        if (x === v) sum += g.selfSize[w];
      }
      assert.equal(g.retainedSize[v], sum, `trial ${trial}: retained(${v})`);
    }
  }
});

test('sizes past 4 GB: an object owning 5 GB of internal arrays is shown at 5 GB, and the root retains it all', async () => {
  const nodes: TestNode[] = [
    { type: 'synthetic', name: '', edges: [{ type: 'shortcut', name: 'global', to: 1 }] },
    { name: 'global', self: 16, edges: [{ name: 'holder', to: 2 }] },
    { name: 'Holder', self: 24, edges: [{ type: 'internal', name: 'elements', to: 3 }, { type: 'internal', name: 'properties', to: 4 }] },
    { type: 'array', name: '', self: 3_000_000_000 },
    { type: 'hidden', name: 'system / PropertyArray', self: 2_000_000_000 },
  ];
  const g = await graphOf(nodes);
  assert.equal(g.selfSize[2], 5_000_000_024, 'both arrays folded into their owner');
  assert.equal(g.selfSize[3], 0);
  assert.equal(g.retainedSize[2], 5_000_000_024);
  assert.equal(g.retainedSize[0], 5_000_000_040);
});
