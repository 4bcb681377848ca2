// Capture from a live process over the inspector: streamed to disk or written by the program
// itself, compared, and robust to the program dying or the user cancelling mid-snapshot.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { analyzeSnapshots } from '../../src/analysis/analyze.ts';
import { CaptureError, CaptureMethod, HeapSnapshotter, isLoopbackInspector } from '../../src/inspector/capture.ts';
import { resolveInspectorUrl } from '../../src/inspector/endpoint.ts';
import { launchInspected, LaunchedProgram } from '../../src/inspector/launch.ts';
import { MemorySampler } from '../../src/inspector/memory-sampler.ts';
import { InspectorSession } from '../../src/inspector/session.ts';
import { readSnapshotFile } from '../../src/snapshot/snapshot-file.ts';
import { NodeBinary, programNodes } from '../helpers/node-versions.ts';
import { example, program, scratch } from '../helpers/paths.ts';
import { recordingLogger } from '../helpers/logs.ts';

async function withProgram<T>(script: string, run: (target: LaunchedProgram, session: InspectorSession) => Promise<T>, node?: NodeBinary): Promise<T> {
  const target = await launchInspected(script, { node: node?.path });
  const session = await InspectorSession.connect(target.inspectorUrl);
  try {
    return await run(target, session);
  } finally {
    await session.close();
    await target.stop();
  }
}

test('the inspector listens on 127.0.0.1 only, and is found by port or host:port', async () => {
  await withProgram(example('churn.js'), async (target) => {
    assert.match(target.inspectorUrl, /^ws:\/\/127\.0\.0\.1:\d+\//);
    const port = new URL(target.inspectorUrl).port;
    assert.equal(await resolveInspectorUrl(port), target.inspectorUrl);
    assert.equal(await resolveInspectorUrl(`127.0.0.1:${port}`), target.inspectorUrl);
    assert.equal(await resolveInspectorUrl(target.inspectorUrl), target.inspectorUrl);
  });
  await assert.rejects(resolveInspectorUrl('127.0.0.1:1'), /no Node inspector answers on 127\.0\.0\.1:1/);
  await assert.rejects(resolveInspectorUrl('not an address'), /is not an inspector address/);
});

test('a port where a web server answers is said not to be an inspector (it used to crash the host)', async () => {
  const server = createServer((_request, response) => response.end('<!DOCTYPE html><title>app</title>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await assert.rejects(resolveInspectorUrl(String(port)), (error: Error) => error.message === `what answers on 127.0.0.1:${port} is not a Node inspector (its /json/list is no list of targets)`);
  } finally {
    server.close();
  }
});

const METHODS: CaptureMethod[] = ['stream', 'write'];

const modeOf = (file: string) => statSync(file).mode & 0o777;

/** The ids of the objects of class `name` in a snapshot file. */
async function idsOf(file: string, name: string): Promise<number[]> {
  const snapshot = await readSnapshotFile(file, { parallel: false });
  const object = snapshot.nodeTypeNames.indexOf('object');
  const ids: number[] = [];
  for (let i = 0; i < snapshot.nodeCount; i++) {
    if (snapshot.nodeType[i] === object && snapshot.strings[snapshot.nodeName[i]] === name) ids.push(snapshot.nodeId[i]);
  }
  return ids;
}

/** Calls `then` once `file` exists with a size that `fits`; returns the function that stops looking. */
function whenSize(file: string, fits: (size: number) => boolean, then: () => void): () => void {
  const timer = setInterval(() => {
    const size = existsSync(file) ? statSync(file, { throwIfNoEntry: false })?.size : undefined;
    if (size !== undefined && fits(size)) {
      clearInterval(timer);
      then();
    }
  }, 5);
  return () => clearInterval(timer);
}

// One long-lived object among garbage that keeps the GC moving things.
const LONG_LIVED = `class LongLived { constructor() { this.tag = 'long-lived'; } }
globalThis.longLived = new LongLived();
let churn = [];
setInterval(() => { for (let i = 0; i < 2000; i++) churn.push({ i, s: 'x' + i }); if (churn.length > 20000) churn = []; }, 5);
`;

test('an inspector on this machine is told by its URL', () => {
  for (const url of ['ws://127.0.0.1:9229/abc', 'ws://localhost:9229/abc', 'ws://[::1]:9229/abc', '127.0.0.1:9229', 'ws://127.1.2.3:1/x']) assert.ok(isLoopbackInspector(url), url);
  for (const url of ['ws://10.0.0.5:9229/abc', 'ws://example.com:9229/abc', 'ws://127.0.0.1.example.com:9229/x', 'not a url at all']) assert.ok(!isLoopbackInspector(url), url);
});

for (const node of programNodes()) {
  describe(`the program on Node ${node.major}`, () => {
    test('three snapshots captured to disk find the Map that never forgets; memory readings rise', async () => {
      const dir = scratch('capture');
      await withProgram(example('map-cache.js'), async (_target, session) => {
        // The default: a program on this machine writes its own snapshots.
        const snapshotter = new HeapSnapshotter(session);
        const logger = recordingLogger();
        const sampler = new MemorySampler(session, { intervalMs: 100, gcEveryMs: 500, logger });
        sampler.start();
        const files: string[] = [];
        let progressed = 0;
        for (let k = 1; k <= 3; k++) {
          await sleep(1000);
          files.push(await snapshotter.capture(join(dir, `${k}.heapsnapshot`), { onProgress: () => progressed++ }));
          assert.equal(snapshotter.lastMethod, 'write');
        }
        sampler.stop();
        assert.ok(progressed > 0, 'progress was reported');
        assert.deepEqual(readdirSync(dir).sort(), ['1.heapsnapshot', '2.heapsnapshot', '3.heapsnapshot']);
        for (const file of files) assert.equal(modeOf(file), 0o600);
        const report = await analyzeSnapshots(files);
        assert.equal(report.verdict, 'leak');
        assert.equal(report.suspects[0].heldBy, 'sessions');
        assert.equal(report.suspects[0].location?.line, 5);
        const afterGc = sampler.samples.filter((s) => s.afterGc);
        assert.ok(afterGc.length >= 3, `${afterGc.length} post-GC readings`);
        // Sessions keep their 2 KB payloads in Buffers: most of the growth is outside the JS heap.
        const held = (s: (typeof afterGc)[number]) => s.heapUsed + s.external;
        assert.ok(held(afterGc.at(-1)!) > held(afterGc[0]) + 4 * 1024 * 1024, 'heap + external memory grew after GC');
        assert.ok(sampler.samples.every((s) => s.rss > 0 && s.heapTotal >= s.heapUsed));
      }, node);
    });

    for (const method of METHODS) {
      test(`${method}: the file parses, is mode 0600, and onChunk delivers exactly its bytes as they come`, async () => {
        const dir = scratch(`chunks-${method}`);
        await withProgram(program('big-heap.js'), async (_target, session) => {
          await sleep(500);
          const snapshotter = new HeapSnapshotter(session, { method });
          const chunks: Buffer[] = [];
          let resolved = false;
          let chunksBeforeTheEnd = 0;
          const file = await snapshotter.capture(join(dir, 'chunks.heapsnapshot'), {
            onChunk: (bytes) => {
              assert.ok(bytes instanceof Uint8Array);
              if (!resolved) chunksBeforeTheEnd++;
              chunks.push(Buffer.from(bytes)); // a copy: the array is reused
            },
          });
          resolved = true;
          assert.equal(snapshotter.lastMethod, method);
          assert.equal(modeOf(file), 0o600);
          assert.ok(chunks.length > 1, `${chunks.length} chunks`);
          assert.equal(chunksBeforeTheEnd, chunks.length);
          assert.ok(Buffer.concat(chunks).equals(readFileSync(file)), 'the chunks are the file');
          const snapshot = await readSnapshotFile(file, { parallel: false });
          assert.ok(snapshot.nodeCount > 100_000, `${snapshot.nodeCount} nodes`);
          assert.deepEqual(readdirSync(dir), ['chunks.heapsnapshot']);
        }, node);
      });

      // Streamed: killed while V8 walks the heap. Written: also while the program writes the file.
      for (const when of method === 'stream' ? ['walk'] : ['walk', 'write']) {
        test(`${method}: a program killed mid-capture (${when === 'walk' ? 'walking the heap' : 'writing the file'}) leaves no file and a clear error`, async () => {
          const dir = scratch(`killed-${method}`);
          const path = join(dir, 'big.heapsnapshot');
          await withProgram(program('big-heap.js'), async (target, session) => {
            await sleep(500);
            const snapshotter = new HeapSnapshotter(session, { method });
            let killed = false;
            const kill = () => {
              if (!killed) target.child.kill('SIGKILL');
              killed = true;
            };
            // The partial file holds a 32-byte nonce while the program is asked whether it can write
            // it, is emptied before the snapshot starts, and grows once the walk is done.
            const stop = method === 'write' ? whenSize(`${path}.partial`, when === 'walk' ? (size) => size === 0 : (size) => size > 1024 * 1024, kill) : () => {};
            const capture = snapshotter.capture(path, { onProgress: method === 'stream' ? kill : undefined });
            try {
              await assert.rejects(capture, (error: Error) => {
                assert.ok(error instanceof CaptureError);
                assert.match(error.message, /the program exited during the heap snapshot; no snapshot was written/);
                return true;
              });
            } finally {
              stop();
            }
            assert.ok(killed);
            assert.deepEqual(readdirSync(dir), [], 'neither the snapshot nor a partial file is left');
          }, node);
        });
      }

      test(`${method}: a cancelled capture leaves no file, and the next capture works`, async () => {
        const dir = scratch(`cancel-${method}`);
        await withProgram(program('big-heap.js'), async (_target, session) => {
          await sleep(500);
          const snapshotter = new HeapSnapshotter(session, { method });
          const abort = new AbortController();
          // Streamed: while V8 walks the heap. Written: with the file half written.
          const cancelled = snapshotter.capture(join(dir, 'cancelled.heapsnapshot'), {
            signal: abort.signal,
            onProgress: method === 'stream' ? () => abort.abort() : undefined,
            onChunk: method === 'write' ? () => abort.abort() : undefined,
          });
          await assert.rejects(cancelled, /cancelled/);
          assert.equal(existsSync(join(dir, 'cancelled.heapsnapshot')), false);
          const next = await snapshotter.capture(join(dir, 'next.heapsnapshot'));
          assert.ok(statSync(next).size > 1024 * 1024);
          assert.deepEqual(readdirSync(dir), ['next.heapsnapshot']);
        }, node);
      });
    }

    for (const kind of ['CommonJS', 'ESM']) {
      test(`${kind}: a long-lived object keeps its id whichever path took the snapshot`, async () => {
        const dir = scratch('ids');
        const main = join(dir, kind === 'ESM' ? 'main.mjs' : 'main.cjs');
        writeFileSync(main, LONG_LIVED);
        await withProgram(main, async (_target, session) => {
          await sleep(300);
          const write = new HeapSnapshotter(session, { method: 'write' });
          const stream = new HeapSnapshotter(session, { method: 'stream' });
          const ids: number[][] = [];
          for (const [k, snapshotter] of [write, stream, write, stream].entries()) {
            await sleep(200);
            const file = await snapshotter.capture(join(dir, `${k}.heapsnapshot`));
            ids.push(await idsOf(file, 'LongLived'));
          }
          assert.equal(write.lastMethod, 'write');
          assert.equal(stream.lastMethod, 'stream');
          assert.equal(ids[0].length, 1, 'one LongLived');
          assert.deepEqual(ids, [ids[0], ids[0], ids[0], ids[0]], 'the same id in every snapshot');
          // And the id the inspector gives the object now.
          const { result } = await session.send('Runtime.evaluate', { expression: 'globalThis.longLived' });
          const { heapSnapshotObjectId } = await session.send('HeapProfiler.getHeapObjectId', { objectId: result.objectId! });
          assert.equal(Number(heapSnapshotObjectId), ids[0][0]);
        }, node);
      });
    }

    test('a program not on this machine (local: false) is streamed; mode 0600 either way', async () => {
      const dir = scratch('remote');
      await withProgram(example('churn.js'), async (_target, session) => {
        const snapshotter = new HeapSnapshotter(session, { local: false });
        const file = await snapshotter.capture(join(dir, 'remote.heapsnapshot'));
        assert.equal(snapshotter.lastMethod, 'stream');
        assert.equal(modeOf(file), 0o600);
        assert.ok((await readSnapshotFile(file, { parallel: false })).nodeCount > 0);
      }, node);
    });

    test('a program holding a 9 MB bundle is captured in seconds (Node 20 took a minute)', async () => {
      // Node 20's V8 rescans a script's source per function while writing a snapshot unless the
      // script's line table exists (measured here: 44 s for this bundle). Capture builds it first.
      const dir = scratch('bundle');
      const bundle = join(dir, 'bundle.js');
      const lines: string[] = [];
      for (let i = 0; i < 60_000; i++) lines.push(`function f${i}(a) { return a + ${i}; /* ${'x'.repeat(100)} */ }`);
      lines.push(`module.exports = [${Array.from({ length: 60_000 }, (_, i) => `f${i}`).join(',')}];`);
      writeFileSync(bundle, lines.join('\n'));
      const main = join(dir, 'main.cjs');
      writeFileSync(main, `const fns = require(${JSON.stringify(bundle)});\nsetInterval(() => fns.length, 1000);\n`);
      await withProgram(main, async (_target, session) => {
        await sleep(300);
        const started = Date.now();
        await new HeapSnapshotter(session).capture(join(dir, 'bundle.heapsnapshot'));
        assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
      }, node);
    });
  });
}
