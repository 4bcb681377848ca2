// The engine against a plain recomputation (test/helpers/reference-engine.ts) on snapshots of
// generated heaps: the same columns read, the same dominators, the same retained sizes, and
// suspects whose bytes and ranking are what the recomputed retained sizes say.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSnapshots } from '../../src/analysis/analyze.ts';
import { MIN_GROWTH_BYTES } from '../../src/analysis/compare.ts';
import { HeapGraph } from '../../src/snapshot/graph.ts';
import { readSnapshotFile } from '../../src/snapshot/snapshot-file.ts';
import { readReference, referenceDominators, referenceRetainedSizes, ReferenceSnapshot } from '../helpers/reference-engine.ts';
import { captureSeries } from '../helpers/snapshot-series.ts';
import { buildSnapshot, TestNode } from '../helpers/snapshot-builder.ts';
import { program, scratch } from '../helpers/paths.ts';

let random: string[] = [];
let big = '';

before(async () => {
  random = await captureSeries(program('random-heap.js'), { count: 3, warmupMs: 800, intervalMs: 700, outDir: scratch('reference-random') });
  [big] = await captureSeries(program('big-heap.js'), { count: 1, warmupMs: 400, intervalMs: 0, outDir: scratch('reference-big') });
});

/** The first few places where two columns differ, for a readable failure. */
function differences(what: string, actual: ArrayLike<number | string>, expected: ArrayLike<number | string>): string[] {
  const out: string[] = [];
  if (actual.length !== expected.length) return [`${what}: ${actual.length} values, expected ${expected.length}`];
  for (let k = 0; k < expected.length && out.length < 5; k++) {
    if (actual[k] !== expected[k]) out.push(`${what}[${k}] = ${actual[k]}, expected ${expected[k]}`);
  }
  return out;
}

async function graphAndReference(file: string): Promise<{ g: HeapGraph; ref: ReferenceSnapshot; readSizes: Uint32Array | Float64Array }> {
  const raw = await readSnapshotFile(file);
  // The graph takes the column over (and folds sizes into it): what the reader gave, kept.
  const readSizes = raw.nodeSelfSize.slice();
  return { g: await HeapGraph.build(raw), ref: readReference(file), readSizes };
}

/** Retained sizes by class the plain way: an object counts unless a dominator above it, with a size, is of its class. */
function referenceClassSums(g: HeapGraph): Map<number, number> {
  const sums = new Map<number, number>();
  for (let n = 0; n < g.nodeCount; n++) {
    if (n === g.rootOrdinal || g.selfSize[n] === 0) continue;
    const k = g.classIndexOf(n);
    let nested = false;
    for (let d = g.dominator[n]; d !== g.rootOrdinal && !nested; d = g.dominator[d]) nested = g.selfSize[d] > 0 && g.classIndexOf(d) === k;
    if (!nested) sums.set(k, (sums.get(k) ?? 0) + g.retainedSize[n]);
  }
  return sums;
}

/** Returns how many nodes the root does not reach through holding edges. */
function assertSameAnswers({ g, ref, readSizes }: { g: HeapGraph; ref: ReferenceSnapshot; readSizes: ArrayLike<number> }): number {
  const nodes = Array.from({ length: ref.nodeCount }, (_, n) => n);
  const edges = Array.from({ length: ref.edgeTo.length }, (_, e) => e);
  const found = [
    ...differences('id', nodes.map((n) => g.id(n)), ref.ids),
    ...differences('type', nodes.map((n) => g.typeName(n)), ref.types),
    ...differences('name', nodes.map((n) => g.name(n)), ref.names),
    ...differences('self size', nodes.map((n) => readSizes[n]), ref.selfSizes),
    ...differences('first edge', nodes.map((n) => g.firstEdge[n]), ref.firstEdge.slice(0, -1)),
    ...differences('edge target', edges.map((e) => g.raw.edgeToNode[e]), ref.edgeTo),
    ...differences('edge type', edges.map((e) => g.edgeTypeName(e)), ref.edgeTypes),
  ];
  assert.deepEqual(found, [], 'the reader gives what JSON.parse gives');
  const { dominators, unreachable } = referenceDominators(ref, g);
  assert.deepEqual(differences('dominator', g.dominator, dominators), []);
  assert.deepEqual(differences('retained size', [...g.retainedSize], referenceRetainedSizes(dominators, g)), []);
  const sums = g.classRetainedSizes();
  const expected = referenceClassSums(g);
  const classes = [...expected.keys()];
  assert.deepEqual(differences('retained by class', classes.map((k) => sums[k]), classes.map((k) => expected.get(k)!)), []);
  return unreachable;
}

test('a 40 MB snapshot read on three threads and built on two: the same columns, dominators, retained sizes and sums by class as the plain computation', async () => {
  assert.ok(statSync(big).size > 32 * 1024 * 1024, 'past the size where the parallel reader takes over');
  const built = await graphAndReference(big);
  assert.ok(built.ref.nodeCount > 400_000);
  assert.equal(built.g.threads, 2, 'its graph built on two threads');
  assertSameAnswers(built);
});

test('a random heap with cycles, shared children, weak references and WeakMaps: the same answers', async () => {
  for (const file of random) {
    assertSameAnswers(await graphAndReference(file));
  }
});

test('objects held only weakly, a chain and a cycle: the same answers', async () => {
  const file = join(scratch('reference-weak'), 'weak.heapsnapshot');
  // root -> (GC roots) -> Holder; Holder weakly -> Chain -> Tail; Holder weakly -> CycleA <-> CycleB.
  const nodes: TestNode[] = [
    { type: 'synthetic', name: '', edges: [{ type: 'element', name: 1, to: 1 }] },
    { type: 'synthetic', name: '(GC roots)', edges: [{ type: 'element', name: 1, to: 2 }] },
    { name: 'Holder', self: 8, edges: [{ type: 'weak', name: 'w', to: 3 }, { type: 'weak', name: 'c', to: 5 }] },
    { name: 'Chain', self: 100, edges: [{ name: 'next', to: 4 }] },
    { name: 'Tail', self: 5 },
    { name: 'CycleA', self: 30, edges: [{ name: 'b', to: 6 }] },
    { name: 'CycleB', self: 40, edges: [{ name: 'a', to: 5 }] },
  ];
  writeFileSync(file, buildSnapshot(nodes));
  const built = await graphAndReference(file);
  assert.equal(assertSameAnswers(built), 4);
  const { g } = built;
  assert.deepEqual([...g.dominator].slice(3), [0, 3, 0, 0], 'the chain hangs under its head, the cycle off the root');
});

test('suspects: the planted holders, with the retained bytes the plain computation gives at each snapshot, ranked by growth', async () => {
  const report = await analyzeSnapshots(random);
  // The retained size of every object, by id, in each snapshot.
  const byId: Array<Map<number, number>> = [];
  for (const file of random) {
    const { g, ref } = await graphAndReference(file);
    const retained = referenceRetainedSizes(referenceDominators(ref, g).dominators, g);
    byId.push(new Map(ref.ids.map((id, n) => [id, retained[n]])));
  }
  const collections = report.suspects.filter((s) => s.nodeId !== null);
  for (const suspect of collections) {
    const expected = byId.map((m) => m.get(suspect.nodeId!) ?? null);
    assert.deepEqual(suspect.series.map((p) => p?.retainedBytes ?? null), expected, suspect.title);
    assert.equal(suspect.growthBytes, expected.at(-1)! - expected.find((v) => v !== null)!, suspect.title);
    assert.ok(suspect.growthBytes >= MIN_GROWTH_BYTES, suspect.title);
  }
  const growths = collections.map((s) => s.growthBytes);
  assert.deepEqual(growths, [...growths].sort((a, b) => b - a), 'ranked by growth');
  const names = collections.map((s) => s.heldBy);
  for (const holder of ['sessions', 'log', 'byUser', 'items']) assert.ok(names.includes(holder), `${holder} in ${names.join(', ')}`);
});
