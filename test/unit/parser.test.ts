import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSnapshotBuffer, parseSnapshotFile, SnapshotParser } from '../../src/snapshot/parser.ts';
import { SnapshotFormatError } from '../../src/snapshot/format.ts';
import { buildSnapshot, TestNode } from '../helpers/snapshot-builder.ts';

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
  return parser.finish();
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
  assert.deepEqual(raw.locations.get(2), { scriptId: 7, line: 41, column: 3, scriptNode: -1 });
  assert.equal(raw.locations.get(1), null);
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

test('file errors name the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leakscope-parser-'));
  const empty = join(dir, 'empty.heapsnapshot');
  writeFileSync(empty, '');
  const sub = join(dir, 'folder.heapsnapshot');
  mkdirSync(sub);
  const cut = join(dir, 'cut.heapsnapshot');
  writeFileSync(cut, buildSnapshot(tiny).slice(0, 500));
  assert.throws(() => parseSnapshotFile(join(dir, 'missing.heapsnapshot')), /missing\.heapsnapshot: no such file/);
  assert.throws(() => parseSnapshotFile(empty), /empty\.heapsnapshot is empty/);
  assert.throws(() => parseSnapshotFile(sub), /folder\.heapsnapshot is a directory/);
  assert.throws(() => parseSnapshotFile(cut, { chunkSize: 64 }), /cut\.heapsnapshot: truncated at byte 500/);
});

test('cancellation stops between chunks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leakscope-parser-'));
  const file = join(dir, 'a.heapsnapshot');
  writeFileSync(file, buildSnapshot(tiny));
  let chunks = 0;
  assert.throws(() => parseSnapshotFile(file, { chunkSize: 16, isCancelled: () => ++chunks > 3 }), /cancelled/);
  assert.equal(chunks, 4);
});

test('reads samples and allocation traces when present', () => {
  const raw = parseSnapshotBuffer(Buffer.from(buildSnapshot(tiny, { samples: [[1000, 3], [2000, 7]] })));
  assert.deepEqual([...raw.samples!.timestampUs], [1000, 2000]);
  assert.deepEqual([...raw.samples!.lastAssignedId], [3, 7]);
});

// Node 20–26 write neither (extra_native_bytes is 0 there, script_object_index absent), but
// V8 defines both; a snapshot from an embedder that uses them must read right.
test('reads extra_native_bytes from the header and script_object_index from locations', () => {
  const plain = parseSnapshotBuffer(Buffer.from(buildSnapshot(tiny)));
  assert.equal(plain.extraNativeBytes, 0);
  const raw = parseSnapshotBuffer(Buffer.from(buildSnapshot(tiny, { header: { extra_native_bytes: 5_000_000 }, locations: [[2, 7, 41, 3]], scriptObjects: [3] })));
  assert.equal(raw.extraNativeBytes, 5_000_000);
  assert.deepEqual(raw.locations.get(2), { scriptId: 7, line: 41, column: 3, scriptNode: 3 });
  assert.deepEqual([...raw.locations.scriptNodes()], [[7, 3]]);
});
