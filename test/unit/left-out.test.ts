// What cannot be read is left out, said once where the user looks (the report's notes), and
// logged; what can't be read at all fails with a sentence that names its file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SourceMaps } from '../../src/analysis/source-maps.ts';
import { parseSnapshotBuffer, readSnapshotFile } from '../../src/snapshot/snapshot-file.ts';
import { recordingLogger } from '../helpers/logs.ts';
import { scratch } from '../helpers/paths.ts';
import { buildSnapshot, TestNode } from '../helpers/snapshot-builder.ts';

const nodes: TestNode[] = [
  { type: 'synthetic', name: '', edges: [{ type: 'element', name: 1, to: 1 }] },
  { type: 'object', name: 'Session', self: 64 },
];

test('a trace tree that is not JSON: the snapshot is read without allocation stacks, and says so', () => {
  const good = buildSnapshot(nodes);
  assert.deepEqual(parseSnapshotBuffer(Buffer.from(good)).notes, []);
  const raw = parseSnapshotBuffer(Buffer.from(good.replace('"trace_tree":[]', '"trace_tree":[1,,2]')));
  assert.equal(raw.nodeCount, 2);
  assert.equal(raw.traceTree.size, 0);
  assert.equal(raw.notes.length, 1);
  assert.match(raw.notes[0], /^the snapshot's trace_tree is not valid JSON \(.+\): objects are shown without the stack that allocated them$/);
});

test('a source map that cannot be read: positions stay the built file\'s, one note, one log line', () => {
  const dir = scratch('maps');
  const built = join(dir, 'server.js');
  writeFileSync(built, 'const sessions = new Map();\n//# sourceMappingURL=server.js.map\n');
  writeFileSync(join(dir, 'server.js.map'), '{"version":3,"sources":["server.ts"],"mappings":');
  const logger = recordingLogger();
  const maps = new SourceMaps(logger);
  const ref = { file: built, url: `file://${built}`, line: 1, column: 7 };
  assert.deepEqual(maps.resolve(ref), ref);
  assert.deepEqual(maps.resolve({ ...ref, line: 2 }), { ...ref, line: 2 }, 'the broken map is read once');
  assert.equal(maps.notes().length, 1);
  assert.match(maps.notes()[0], new RegExp(`^the source map of ${built} could not be read \\(.+\\): its lines are the built file's$`));
  assert.deepEqual(logger.lines, [`warn ${maps.notes()[0]}`]);
});

test('a snapshot with no nodes, or edges that do not add up, fails with a sentence naming its file', async () => {
  const dir = scratch('left-out');
  const empty = join(dir, 'no-nodes.heapsnapshot');
  writeFileSync(empty, buildSnapshot([]));
  await assert.rejects(readSnapshotFile(empty), (error: Error) => error.message === `${empty}: the snapshot has no nodes`);
  const uneven = join(dir, 'uneven.heapsnapshot');
  const good = buildSnapshot(nodes);
  // The root claims two edges; the edges section holds one.
  writeFileSync(uneven, good.replace('"nodes":[9,0,1,0,1', '"nodes":[9,0,1,0,2'));
  await assert.rejects(readSnapshotFile(uneven), (error: Error) => error.message.startsWith(`${uneven}: the nodes' edge counts add up to 2, but the snapshot holds 1 edges`));
});
