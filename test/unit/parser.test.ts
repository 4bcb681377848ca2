import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSnapshotBuffer, readSnapshotFile } from '../../src/snapshot/snapshot-file.ts';
import { SnapshotParser } from '../../src/snapshot/sections.ts';
import { assemble } from '../../src/snapshot/assemble.ts';
import { SnapshotFormatError } from '../../src/snapshot/format.ts';
import { HeapGraph } from '../../src/snapshot/graph.ts';
import { SourceLocator } from '../../src/snapshot/locations.ts';
import { buildSnapshot, TestNode } from '../helpers/snapshot-builder.ts';
import { polledSignal } from '../../src/common/errors.ts';
import { scratch } from '../helpers/paths.ts';

const tiny: TestNode[] = [
  { type: 'synthetic', name: '', edges: [{ type: 'element', name: 1, to: 1 }] },
  { type: 'synthetic', name: '(GC roots)', edges: [{ name: 'a "quoted" \\ key', to: 2 }] },
  { name: 'Caf\u00e9 \u{1F600} <img src=x onerror=alert(1)>', self: 40, edges: [{ type: 'element', name: 0, to: 3 }] },
  { type: 'string', name: 'line\nbreak\ttab\u0001', self: 24 },
];

function feedInPieces(text: string, size: number) {
  const bytes = Buffer.from(text, 'utf8');
  const parser = new SnapshotParser();
  for (let i = 0; i < bytes.length; i += size) parser.feed(bytes.subarray(i, i + size));
  return assemble(parser.sections());
}

test('reads nodes, edges and strings into typed columns', () => {
  const raw = parseSnapshotBuffer(Buffer.from(buildSnapshot(tiny)));
  assert.equal(raw.nodeCount, 4);
  assert.equal(raw.edgeCount, 3);
  assert.deepEqual([...raw.nodeSelfSize], [0, 0, 40, 24]);
  assert.deepEqual([...raw.edgeToNode], [1, 2, 3]);
  assert.equal(raw.strings[raw.nodeName[2]], 'Caf\u00e9 \u{1F600} <img src=x onerror=alert(1)>');
  assert.equal(raw.strings[raw.nodeName[3]], 'line\nbreak\ttab\u0001');
  assert.equal(raw.strings[raw.edgeNameOrIndex[1]], 'a "quoted" \\ key');
});

test('gives the same result whatever the chunk boundaries', () => {
  const text = buildSnapshot(tiny);
  const whole = parseSnapshotBuffer(Buffer.from(text));
  for (const size of [1, 2, 3, 5, 7, 64]) {
    const pieces = feedInPieces(text, size);
    assert.deepEqual(pieces.strings, whole.strings, `chunk size ${size}`);
    assert.deepEqual([...pieces.nodeId], [...whole.nodeId]);
    assert.deepEqual([...pieces.edgeToNode], [...whole.edgeToNode]);
  }
});

test('reads field layouts from meta: extra node fields and unknown sections are tolerated', () => {
  const text = buildSnapshot(
    [
      { type: 'synthetic', name: '', edges: [{ type: 'brand-new-edge-type', name: 'x', to: 1 }] },
      { type: 'brand-new-node-type', name: 'X', self: 8 },
    ],
    { extraNodeFields: ['future_field'], extraTopLevel: { future_section: { deep: [1, [2, '"]}']] } } },
  );
  const raw = parseSnapshotBuffer(Buffer.from(text));
  assert.equal(raw.nodeCount, 2);
  assert.equal(raw.nodeSelfSize[1], 8);
  assert.equal(raw.edgeToNode[0], 1);
  assert.equal(raw.nodeTypeNames[raw.nodeType[1]], undefined, 'unknown node type stays unknown');
});

test('reads locations by node', () => {
  const raw = parseSnapshotBuffer(Buffer.from(buildSnapshot(tiny, { locations: [[2, 7, 41, 3]] })));
  assert.deepEqual(raw.locations.get(2), { scriptId: 7, line: 41, column: 3 });
  assert.equal(raw.locations.get(1), null);
});

test('locations written out of node order, or twice for a node, are found as written: the later one wins', () => {
  const raw = parseSnapshotBuffer(Buffer.from(buildSnapshot(tiny, { locations: [[2, 7, 41, 3], [0, 5, 1, 1], [2, 7, 42, 9]] })));
  assert.deepEqual(raw.locations.get(2), { scriptId: 7, line: 42, column: 9 });
  assert.deepEqual(raw.locations.get(0), { scriptId: 5, line: 1, column: 1 });
  assert.equal(raw.locations.get(1), null);
  const visited: number[] = [];
  raw.locations.forEachNode((n) => visited.push(n));
  assert.deepEqual(visited, [0, 2, 2], 'in node order');
});

function parseError(text: string | Buffer): string {
  try {
    parseSnapshotBuffer(typeof text === 'string' ? Buffer.from(text) : text);
  } catch (error) {
    assert.ok(error instanceof SnapshotFormatError, `expected a SnapshotFormatError, got ${error}`);
    return (error as Error).message;
  }
  assert.fail('expected an error');
}

test('bad input gets one clear sentence saying what and where', () => {
  const good = buildSnapshot(tiny);
  const insideNodes = good.indexOf('"nodes"') + 12;
  assert.match(parseError(good.slice(0, insideNodes)), new RegExp(`^truncated at byte ${insideNodes} inside 'nodes'`));
  assert.match(parseError(good.slice(0, -1)), /^truncated at byte \d+/);
  assert.match(parseError(''), /empty/);
  assert.match(parseError('hello world'), /not a heap snapshot: 'h' at byte 0/);
  assert.match(parseError('{"name": "my-package", "version": "1.0.0"}'), /first key is 'name'.*expected 'snapshot'/);
  assert.match(parseError(good.replace('"nodes":[', '"nodes":[x')), /unexpected 'x' at byte \d+, expected a number in 'nodes'/);
  assert.match(parseError(good.replace(/"node_count":4/, '"node_count":5')), /declares 5 nodes but holds 4/);
  assert.match(parseError(Buffer.from([0x89, 0x50, 0x4e, 0x47])), /byte 0x89 at byte 0/);
});

test('file errors name the file', async () => {
  const dir = scratch('parser');
  const empty = join(dir, 'empty.heapsnapshot');
  writeFileSync(empty, '');
  const sub = join(dir, 'folder.heapsnapshot');
  mkdirSync(sub);
  const cut = join(dir, 'cut.heapsnapshot');
  writeFileSync(cut, buildSnapshot(tiny).slice(0, 500));
  await assert.rejects(readSnapshotFile(join(dir, 'missing.heapsnapshot')), /missing\.heapsnapshot: no such file/);
  await assert.rejects(readSnapshotFile(empty), /empty\.heapsnapshot is empty/);
  await assert.rejects(readSnapshotFile(sub), /folder\.heapsnapshot is a directory/);
  await assert.rejects(readSnapshotFile(cut, { chunkSize: 64 }), /cut\.heapsnapshot: truncated at byte 500/);
});

test('cancellation stops between chunks', async () => {
  const dir = scratch('parser');
  const file = join(dir, 'a.heapsnapshot');
  writeFileSync(file, buildSnapshot(tiny));
  let chunks = 0;
  await assert.rejects(readSnapshotFile(file, { chunkSize: 16, signal: polledSignal(() => ++chunks > 3) }), /cancelled/);
  assert.equal(chunks, 4);
});

test('reads the allocation timeline samples when present', () => {
  const raw = parseSnapshotBuffer(Buffer.from(buildSnapshot(tiny, { samples: [[1000, 3], [2000, 7]] })));
  assert.deepEqual([...raw.samples!.timestampUs], [1000, 2000]);
  assert.deepEqual([...raw.samples!.lastAssignedId], [3, 7]);
});

test('reads allocation traces into the stack each object was made by, innermost frame first', async () => {
  // The object at node 2 was made by `handleRequest`, called from a timer's callback, itself
  // called by Node's timers (not the program's: left out of the stack).
  const traces = {
    functions: [
      { name: 'listOnTimeout', script: 'node:internal/timers', scriptId: 9, line: 581, column: 17 },
      { name: '', script: '/srv/app/server.js', scriptId: 4, line: 30, column: 13 },
      { name: 'handleRequest', script: '/srv/app/server.js', scriptId: 4, line: 5, column: 22 },
    ],
    tree: [{ id: 1, fn: 0, children: [{ id: 2, fn: 1, children: [{ id: 3, fn: 2 }] }] }],
  };
  const nodes = tiny.map((node, k) => (k === 2 ? { ...node, trace: 3 } : node));
  const raw = parseSnapshotBuffer(Buffer.from(buildSnapshot(nodes, { traces })));
  assert.deepEqual(raw.traceFunctionInfos[2], { name: 'handleRequest', scriptName: '/srv/app/server.js', scriptId: 4, line: 5, column: 22 });
  assert.deepEqual([...raw.traceTree], [
    [1, { functionInfo: 0, parent: 0 }],
    [2, { functionInfo: 1, parent: 1 }],
    [3, { functionInfo: 2, parent: 2 }],
  ]);
  assert.deepEqual([...raw.nodeTraceNodeId!], [0, 0, 3, 0]);
  const locator = new SourceLocator(await HeapGraph.build(raw));
  const frames = locator.allocationStack(3).map((f) => `${f.functionName || '(anonymous)'} ${f.file}:${f.line}:${f.column} ${f.own ? 'own' : 'not own'}`);
  assert.deepEqual(frames, ['handleRequest /srv/app/server.js:5:22 own', '(anonymous) /srv/app/server.js:30:13 own']);
  assert.equal(locator.allocationSite(2)?.functionName, 'handleRequest');
  assert.equal(locator.allocationSite(3), null, 'an object with no trace has no allocation site');
});

// Node 20–26 write neither (extra_native_bytes is 0 there, script_object_index absent), but
// V8 defines both; a snapshot from an embedder that uses them must read right.
test('reads extra_native_bytes from the header and script_object_index from locations', () => {
  const plain = parseSnapshotBuffer(Buffer.from(buildSnapshot(tiny)));
  assert.equal(plain.extraNativeBytes, 0);
  const raw = parseSnapshotBuffer(Buffer.from(buildSnapshot(tiny, { header: { extra_native_bytes: 5_000_000 }, locations: [[2, 7, 41, 3]], scriptObjects: [3] })));
  assert.equal(raw.extraNativeBytes, 5_000_000);
  assert.deepEqual(raw.locations.get(2), { scriptId: 7, line: 41, column: 3 });
  assert.deepEqual([...raw.locations.scriptNodes()], [[7, 3]]);
});

/** A chain of nodes with ids, sizes and names of every width, so numbers straddle any block boundary. */
function chain(count: number): TestNode[] {
  const nodes: TestNode[] = [{ type: 'synthetic', name: '', edges: [{ type: 'element', name: 1, to: 1 }] }];
  for (let k = 1; k < count; k++) {
    const next = k + 1 < count ? [{ name: `link ${k % 97}`, to: k + 1 }, { type: 'element' as const, name: k * 31, to: (k * 7919) % count }] : [];
    nodes.push({ name: `Node${k % 13}`, id: k * 1_000_003, self: (k * 7) % 100_000, edges: next });
  }
  return nodes;
}

function writeSnapshot(text: string): string {
  const file = join(scratch('parser'), 'a.heapsnapshot');
  writeFileSync(file, text);
  return file;
}

const columnsOf = (raw: ReturnType<typeof parseSnapshotBuffer>) => ({
  nodes: [raw.nodeType, raw.nodeName, raw.nodeId, raw.nodeSelfSize, raw.firstEdge].map((c) => [...c]),
  edges: [raw.edgeType, raw.edgeNameOrIndex, raw.edgeToNode].map((c) => [...c]),
  strings: raw.strings,
  locations: raw.locations.get(2),
});

test('read on three threads, a snapshot gives what one thread reads, wherever the workers meet', async () => {
  for (const count of [10, 3000]) {
    const text = buildSnapshot(chain(count), { locations: [[2, 7, 41, 3]] });
    const file = writeSnapshot(text);
    const expected = columnsOf(parseSnapshotBuffer(Buffer.from(text)));
    for (const chunkSize of [5, 7, 64, 333, 4096, 1 << 20]) {
      assert.deepEqual(columnsOf(await readSnapshotFile(file, { parallel: true, chunkSize })), expected, `${count} nodes, blocks of ${chunkSize} bytes`);
    }
  }
});

test('on three threads, bad input gets the same sentence as on one', async () => {
  const text = buildSnapshot(chain(500));
  const cases = [
    text.replace(/"edge_count":\d+/, '"edge_count":999'),
    text.replace(/"node_count":\d+/, '"node_count":777'),
    text.replace(/("edges":\[\d+,\d+,)\d+/, '$13'),
    text.replace(/("nodes":\[[\d,]{200})/, '$1x'),
  ];
  for (const bad of cases) {
    const file = writeSnapshot(bad);
    const one = await readSnapshotFile(file, { parallel: false }).then(() => 'no error', (error: Error) => error.message);
    const three = await readSnapshotFile(file, { parallel: true, chunkSize: 64 }).then(() => 'no error', (error: Error) => error.message);
    assert.notEqual(one, 'no error');
    assert.equal(three, one);
  }
});

test('a file not laid out as V8 writes it is read on one thread', async () => {
  const text = buildSnapshot(chain(50)).replace('"trace_function_infos":[],', '');
  const file = writeSnapshot(text);
  assert.deepEqual(columnsOf(await readSnapshotFile(file, { parallel: true, chunkSize: 16 })), columnsOf(parseSnapshotBuffer(Buffer.from(text))));
});
