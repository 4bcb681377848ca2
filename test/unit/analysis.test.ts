import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSnapshotBuffer } from '../../src/snapshot/snapshot-file.ts';
import { HeapGraph } from '../../src/snapshot/graph.ts';
import { SourceLocator } from '../../src/snapshot/locations.ts';
import { collectionOf } from '../../src/analysis/collections.ts';
import { formatPath, shortestRetainerPath } from '../../src/analysis/paths.ts';
import { classSummary } from '../../src/analysis/summary.ts';
import { digestSnapshot } from '../../src/analysis/digest.ts';
import { buildSnapshot, TestNode } from '../helpers/snapshot-builder.ts';

const graphOf = (nodes: TestNode[]) => HeapGraph.build(parseSnapshotBuffer(Buffer.from(buildSnapshot(nodes))));

// root -shortcut-> global -.cache-> Map -table-> (array) with a key/value entry at slots 4/5
// and a value-only entry at slot 8 (its key is a small integer, stored inline).
const mapHeap: TestNode[] = [
  { type: 'synthetic', name: '', edges: [{ type: 'shortcut', name: 'global', to: 1 }] },
  { name: 'global', self: 16, edges: [{ name: 'cache', to: 2 }] },
  { name: 'Map', self: 32, edges: [{ type: 'internal', name: 'table', to: 3 }] },
  {
    type: 'array',
    name: '',
    self: 200,
    edges: [
      { type: 'internal', name: '4', to: 4 },
      { type: 'internal', name: '5', to: 5 },
      { type: 'internal', name: '8', to: 6 },
    ],
  },
  { type: 'string', name: 'key-17', self: 24 },
  { name: 'Session', self: 1000 },
  { name: 'Session', self: 1000 },
];

test('a path through a Map names the entry by its key', async () => {
  const g = await graphOf(mapHeap);
  const tokens = formatPath(g, new SourceLocator(g), shortestRetainerPath(g, 5));
  assert.deepEqual(tokens, ['global', '.cache', 'Map', 'table', '"key-17"', 'Session']);
  const valueOnly = formatPath(g, new SourceLocator(g), shortestRetainerPath(g, 6));
  assert.deepEqual(valueOnly.slice(-2), ['(key)', 'Session']);
});

test('Map entries count a key and its value once, and values whose key is inline', async () => {
  const g = await graphOf(mapHeap);
  assert.deepEqual(collectionOf(g, 2), { kind: 'Map', entries: 2 });
  assert.equal(collectionOf(g, 1), null, 'a plain object with one property is not a collection');
});

test("the table's size is folded into the Map's shallow size, as DevTools shows it", async () => {
  const g = await graphOf(mapHeap);
  assert.equal(g.selfSize[2], 32 + 200);
  assert.equal(g.selfSize[3], 0);
  assert.equal(g.retainedSize[2], 32 + 200 + 24 + 1000 + 1000);
});

test('the class summary counts a linked list once, not once per link', async () => {
  const links = 50;
  const nodes: TestNode[] = [
    { type: 'synthetic', name: '', edges: [{ type: 'shortcut', name: 'global', to: 1 }] },
    { name: 'global', self: 10, edges: [{ name: 'head', to: 2 }] },
  ];
  for (let k = 0; k < links; k++) nodes.push({ name: 'ListNode', self: 10, edges: k < links - 1 ? [{ name: 'next', to: k + 3 }] : [] });
  const g = await graphOf(nodes);
  const list = classSummary(g).find((c) => c.name === 'ListNode')!;
  assert.equal(list.count, links);
  assert.equal(list.shallow, links * 10);
  assert.equal(list.retained, links * 10, 'the head retains the whole list; the rest are inside it');
});

test('a script named by script_object_index gives its objects a file, with no closure to lead there', async () => {
  const nodes: TestNode[] = [
    { type: 'synthetic', name: '', edges: [{ type: 'shortcut', name: 'global', to: 1 }] },
    { name: 'global', self: 16, edges: [{ name: 'cache', to: 2 }] },
    { name: 'Cache', self: 32 },
    { type: 'hidden', name: '/srv/app/cache.js', self: 64 },
  ];
  const g = await HeapGraph.build(parseSnapshotBuffer(Buffer.from(buildSnapshot(nodes, { locations: [[2, 41, 9, 4]], scriptObjects: [3] }))));
  const where = new SourceLocator(g).locate(2);
  assert.deepEqual(where && { file: where.file, line: where.line, column: where.column }, { file: '/srv/app/cache.js', line: 10, column: 5 });
});

test('native memory counts ArrayBuffer contents and the extra native bytes V8 reports outside any object', async () => {
  const nodes: TestNode[] = [
    { type: 'synthetic', name: '', edges: [{ type: 'shortcut', name: 'global', to: 1 }] },
    { name: 'global', self: 16, edges: [{ name: 'buffer', to: 2 }] },
    { name: 'ArrayBuffer', self: 80, edges: [{ type: 'internal', name: 'backing_store', to: 3 }] },
    { type: 'native', name: 'system / JSArrayBufferData', self: 1_000_000 },
  ];
  const digest = async (header: Record<string, unknown>) => {
    const g = await HeapGraph.build(parseSnapshotBuffer(Buffer.from(buildSnapshot(nodes, { header }))));
    return digestSnapshot(g, new SourceLocator(g));
  };
  assert.equal((await digest({})).nativeBytes, 1_000_000);
  assert.equal((await digest({ extra_native_bytes: 250_000 })).nativeBytes, 1_250_000);
  assert.equal((await digest({ extra_native_bytes: 250_000 })).totalBytes, (await digest({})).totalBytes, 'not counted as heap: no object holds them');
});
