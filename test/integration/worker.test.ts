// The analysis worker as a host uses it: progress, cancel, out of memory, and still working after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { AnalysisClient, SnapshotStream } from '../../src/analysis/client.ts';
import { CancelledError, LeakscopeError } from '../../src/common/errors.ts';
import { recordingLogger } from '../helpers/logs.ts';
import type { AnalysisProgress } from '../../src/analysis/analyze.ts';
import { captureSeries } from '../helpers/snapshot-series.ts';
import { program, scratch, WORKER } from '../helpers/paths.ts';

async function oneSnapshot(): Promise<string> {
  const [file] = await captureSeries(program('rows.js'), { count: 1, warmupMs: 400, intervalMs: 0, outDir: scratch('worker') });
  return file;
}

test('reports progress through every phase and answers with the report', async () => {
  const file = await oneSnapshot();
  const logger = recordingLogger();
  const client = new AnalysisClient({ workerPath: WORKER, logger });
  try {
    const phases = new Set<string>();
    const report = await client.request('analyze', { files: [file] }, { onProgress: (p: AnalysisProgress) => phases.add(p.phase) });
    assert.ok(phases.has('parsing') && phases.has('dominators') && phases.has('summarizing'), [...phases].join(', '));
    assert.equal(report.largest[0].retainerPath.at(-2), '.rows');
    assert.deepEqual(report.notes, []);
    assert.deepEqual(logger.lines, [], 'a sound snapshot logs nothing');
  } finally {
    await client.dispose();
  }
});

test('after an analysis, the worker answers which objects a class has and what each one keeps alive', async () => {
  const file = await oneSnapshot();
  const client = new AnalysisClient({ workerPath: WORKER, logger: recordingLogger() });
  try {
    const report = await client.request('analyze', { files: [file] });
    assert.ok(report.top.some((c) => c.name === 'Row'));
    const [table] = await client.request('objects', { file, className: 'Table', limit: 5 });
    assert.equal(table.className, 'Table');
    assert.equal(table.retainerPath.at(-2), '(module rows.js) table');
    const rows = await client.request('objects', { file, className: 'Row', limit: 10 });
    assert.equal(rows.length, 10);
    assert.ok(rows.every((r) => r.className === 'Row' && r.retainedBytes >= rows.at(-1)!.retainedBytes));
    // The Table alone holds its rows array, which alone holds the 50,000 rows.
    const [array] = await client.request('children', { file, nodeId: table.nodeId, limit: 5 });
    assert.equal(array.retainerPath.at(-2), '.rows');
    const held = await client.request('children', { file, nodeId: array.nodeId, limit: 100_000 });
    assert.ok(held.filter((r) => r.className === 'Row').length >= 50_000 - 1, `${held.length} children`);
  } finally {
    await client.dispose();
  }
});

test('a cancelled analysis stops, and the worker takes the next request', async () => {
  const file = await oneSnapshot();
  const client = new AnalysisClient({ workerPath: WORKER, logger: recordingLogger() });
  try {
    const abort = new AbortController();
    const cancelled = client.request('analyze', { files: [file, file, file] }, { signal: abort.signal, onProgress: () => abort.abort() });
    await assert.rejects(cancelled, CancelledError);
    const report = await client.request('analyze', { files: [file] });
    assert.equal(report.snapshots.length, 1);
  } finally {
    await client.dispose();
  }
});

/** A snapshot's bytes as a capture streams them, in chunks of 1 MB. */
function streamBytes(stream: SnapshotStream, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; at += 1 << 20) stream.write(bytes.subarray(at, at + (1 << 20)));
}

test('a snapshot streamed while it is captured is analysed without being read again, as the file it became', async () => {
  const file = await oneSnapshot();
  const target = join(scratch('streamed'), 'streamed.heapsnapshot');
  const client = new AnalysisClient({ workerPath: WORKER, logger: recordingLogger() });
  try {
    const stream = client.openStream(target);
    streamBytes(stream, readFileSync(file));
    // The capture ends: its file lands where it was to be.
    copyFileSync(file, target);
    const counts = await stream.end();
    const phases = new Set<string>();
    const report = await client.request('analyze', { files: [target] }, { onProgress: (p) => phases.add(p.phase) });
    assert.ok(!phases.has('parsing'), [...phases].join(', '));
    assert.equal(report.snapshots[0].nodeCount, counts.nodeCount);
    assert.equal(report.snapshots[0].fileBytes, readFileSync(file).length);
    assert.equal(report.largest[0].retainerPath.at(-2), '.rows');
  } finally {
    await client.dispose();
  }
});

test('a streamed snapshot whose capture failed after its last byte is dropped; the next one is analysed', async () => {
  const file = await oneSnapshot();
  const dir = scratch('stream-abort');
  const client = new AnalysisClient({ workerPath: WORKER, logger: recordingLogger() });
  try {
    const failed = client.openStream(join(dir, 'failed.heapsnapshot'));
    streamBytes(failed, readFileSync(file));
    failed.abort();
    await assert.rejects(client.request('analyze', { files: [join(dir, 'failed.heapsnapshot')] }), /no such file/);
    const next = client.openStream(join(dir, 'next.heapsnapshot'));
    streamBytes(next, readFileSync(file));
    copyFileSync(file, join(dir, 'next.heapsnapshot'));
    await next.end();
    const report = await client.request('analyze', { files: [join(dir, 'next.heapsnapshot')] });
    assert.equal(report.largest[0].retainerPath.at(-2), '.rows');
  } finally {
    await client.dispose();
  }
});

test('a streamed snapshot cut short, or with bytes after its end, fails with what is wrong and where', async () => {
  const bytes = readFileSync(await oneSnapshot());
  const dir = scratch('stream-bad');
  const client = new AnalysisClient({ workerPath: WORKER, logger: recordingLogger() });
  try {
    const cut = client.openStream(join(dir, 'cut.heapsnapshot'));
    streamBytes(cut, bytes.subarray(0, bytes.length - 1000));
    await assert.rejects(cut.end(), (e: LeakscopeError) => e.kind === 'input' && /cut\.heapsnapshot: truncated at byte/.test(e.message));
    const trailing = client.openStream(join(dir, 'trailing.heapsnapshot'));
    streamBytes(trailing, bytes);
    trailing.write(Buffer.from('{"more":1}'));
    await assert.rejects(trailing.end(), (e: LeakscopeError) => e.kind === 'input' && /trailing\.heapsnapshot: .*the end of the file/.test(e.message));
  } finally {
    await client.dispose();
  }
});

/** A valid snapshot whose strings table alone outgrows a small JS heap. */
async function stringHeavySnapshot(path: string, strings: number): Promise<void> {
  const out = createWriteStream(path);
  const meta = {
    node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
    node_types: [['synthetic', 'object'], 'string', 'number', 'number', 'number'],
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [['element', 'property'], 'string_or_number', 'node'],
  };
  out.write(`{"snapshot":{"meta":${JSON.stringify(meta)},"node_count":1,"edge_count":0},"nodes":[0,0,1,0,0],"edges":[],"strings":[""`);
  const chunk: string[] = [];
  for (let k = 0; k < strings; k++) {
    chunk.push(`,"s${k}"`);
    if (chunk.length === 100_000) {
      if (!out.write(chunk.join(''))) await once(out, 'drain');
      chunk.length = 0;
    }
  }
  out.write(chunk.join('') + ']}');
  out.end();
  await once(out, 'finish');
}

test('a worker that runs out of memory fails its request with a clear error; the host lives on', async () => {
  const path = join(scratch('oom'), 'strings.heapsnapshot');
  await stringHeavySnapshot(path, 12_000_000);
  // Room for the file by the size check, not for twelve million strings in the JS heap.
  const logger = recordingLogger();
  const client = new AnalysisClient({ workerPath: WORKER, memoryBudgetMb: 300, logger });
  try {
    await assert.rejects(client.request('analyze', { files: [path] }), (e: LeakscopeError) => {
      assert.equal(e.kind, 'memory');
      assert.match(e.message, /ran out of memory/);
      return true;
    });
    assert.ok(logger.lines.some((line) => line.startsWith('error the analysis worker failed')), logger.lines.join('\n'));
    const file = await oneSnapshot();
    const report = await client.request('analyze', { files: [file] });
    assert.equal(report.snapshots.length, 1, 'a fresh worker took the next request');
  } finally {
    await client.dispose();
  }
});

test('a new memory budget applies to the next request: refused under 1 MB, analysed once raised', async () => {
  const file = await oneSnapshot();
  const client = new AnalysisClient({ workerPath: WORKER, memoryBudgetMb: 1, logger: recordingLogger() });
  try {
    await assert.rejects(client.request('analyze', { files: [file] }), (e: LeakscopeError) => e.kind === 'memory' && /needs about .* but only 1\.0 MB is available/.test(e.message));
    client.setMemoryBudget(undefined);
    const report = await client.request('analyze', { files: [file] });
    assert.equal(report.largest[0].retainerPath.at(-2), '.rows');
  } finally {
    await client.dispose();
  }
});
