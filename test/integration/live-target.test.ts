// Watching a live process as the extension does: memory readings, snapshots on demand,
// async dumps, allocation sampling, allocation tracking, and surviving a debugger that
// resets the HeapProfiler.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachEntry } from '../../src/analysis/collections.ts';
import type { MemorySample } from '../../src/analysis/report.ts';
import { launchInspected } from '../../src/inspector/launch.ts';
import { LiveTarget, LiveTargetOptions } from '../../src/inspector/live-target.ts';
import { InspectorSession } from '../../src/inspector/session.ts';
import { HeapGraph } from '../../src/snapshot/graph.ts';
import { SourceLocator } from '../../src/snapshot/locations.ts';
import { readSnapshotFile } from '../../src/snapshot/snapshot-file.ts';
import { NodeBinary, programNodes } from '../helpers/node-versions.ts';
import { example, program, scratch } from '../helpers/paths.ts';
import { recordingLogger } from '../helpers/logs.ts';
import { snapshotItems } from '../../src/extension/model/snapshot-items.ts';
import { WatchedProcess } from '../../src/extension/watched-process.ts';
import { LiveSession } from '../../src/live/live-session.ts';

/**
 * Who makes a session: rememberSession(), or the interval's anonymous callback once V8 has
 * inlined rememberSession() into it: Node 24 and 26's allocation tracker records only the
 * function whose compiled code allocated, not the frames inlined into it.
 */
const MAKERS = new Set(['rememberSession', '']);

/** The innermost program function of each value's allocation stack in the `sessions` Map (null: no stack). */
async function sessionAllocators(file: string): Promise<{ traced: boolean; allocators: (string | null)[] }> {
  const raw = await readSnapshotFile(file);
  const g = await HeapGraph.build(raw);
  const heldAs = (n: number, name: string) => {
    for (let r = g.firstRetainer[n]; r < g.firstRetainer[n + 1]; r++) if (g.edgeName(g.edgeBetween(g.retainer(r), n)) === name) return true;
    return false;
  };
  let map = -1;
  for (let n = 0; n < g.nodeCount && map < 0; n++) if (g.className(n) === 'Map' && heldAs(n, 'sessions')) map = n;
  assert.ok(map >= 0, 'the sessions Map is in the snapshot');
  const locator = new SourceLocator(g);
  const allocators: (string | null)[] = [];
  forEachEntry(g, map, 'Map', (_key, value) => allocators.push(value < 0 ? null : (locator.allocationSite(value)?.functionName ?? null)));
  assert.ok(allocators.length > 20, `${allocators.length} sessions`);
  return { traced: raw.nodeTraceNodeId !== null && raw.traceTree.size > 0, allocators };
}

async function watchSessions(node: NodeBinary, options: Partial<Omit<LiveTargetOptions, 'logger'>>, nodeArgs: string[] = []) {
  const launched = await launchInspected(program('tracked-sessions.js'), { node: node.path, nodeArgs });
  const session = await InspectorSession.connect(launched.inspectorUrl);
  const logger = recordingLogger();
  const target = new LiveTarget(session, { pollIntervalMs: 1000, samplingIntervalBytes: null, asyncTracking: false, logger, ...options });
  return {
    session,
    target,
    logger,
    async [Symbol.asyncDispose]() {
      await target.dispose(true);
      await launched.stop();
    },
  };
}

for (const node of programNodes()) {
  describe(`the program on Node ${node.major}`, () => {
    test('a watched process: rising readings, comparable snapshots, and a new epoch after a debugger disables the HeapProfiler', async () => {
      const launched = await launchInspected(example('map-cache.js'), { node: node.path });
      const session = await InspectorSession.connect(launched.inspectorUrl);
      const samples: MemorySample[] = [];
      const logger = recordingLogger();
      const target = new LiveTarget(session, { pollIntervalMs: 100, samplingIntervalBytes: 0, asyncTracking: true, onSample: (s) => samples.push(s), logger });
      const dir = scratch('live');
      try {
        await target.start();
        await sleep(600);
        const first = await target.capture(join(dir, '1.heapsnapshot'));
        await sleep(600);
        const second = await target.capture(join(dir, '2.heapsnapshot'));
        assert.deepEqual([first.epoch, second.epoch, first.idsRestarted, second.idsRestarted], [0, 0, false, false]);
        assert.ok(first.timeMs < second.timeMs);
        assert.ok(samples.length >= 8, `${samples.length} readings`);
        assert.ok(samples.some((s) => s.afterGc), 'a post-GC reading follows each capture');
        assert.ok(samples.at(-1)!.heapUsed > samples[0].heapUsed, 'the Map grows');

        // What js-debug does after its own profiles, on the connection it shares with us.
        await session.send('HeapProfiler.disable');
        const third = await target.capture(join(dir, '3.heapsnapshot'));
        assert.deepEqual([third.epoch, third.idsRestarted], [1, true]);
        const fourth = await target.capture(join(dir, '4.heapsnapshot'));
        assert.deepEqual([fourth.epoch, fourth.idsRestarted], [1, false]);

        const sites = target.allocationSites(10);
        // Node 24 and 26 soon inline handleRequest() into the interval's callback, which the profile then names.
        assert.ok(sites.some((s) => s.file === example('map-cache.js') && ['handleRequest', '(anonymous)'].includes(s.functionName)), JSON.stringify(sites));
        const dump = await target.dumpAsync();
        assert.ok((dump.active.Timeout ?? 0) >= 1, JSON.stringify(dump.active));
        assert.ok(dump.groups !== null, 'the tracker is installed');
      } finally {
        await target.dispose(true);
        await launched.stop();
      }
    });

    // V8 before 14 turns tracking back on after the reset, but the stacks of what it makes
    // since are lost as the GC moves it (only the newest 20 sessions keep theirs, or none): seen
    // every time on Node 22 and 24, on Node 20 when the machine is busy. Node 26 recovers.
    const afterReset = node.major < 26 ? `Node ${node.major} loses the allocation stacks of objects the GC moves once tracking restarts after a HeapProfiler.disable` : undefined;
    test('with allocation tracking, the Map values carry the stack of the function that made them, sampling still runs, and a reset is recovered', { todo: afterReset }, async () => {
      await using watched = await watchSessions(node, { trackAllocations: true, samplingIntervalBytes: 0, allocationMode: () => 'alloc' });
      const { target, session } = watched;
      const dir = scratch('tracked');
      await target.start();
      assert.deepEqual(target.notes, []);
      await sleep(600);
      await target.capture(join(dir, '1.heapsnapshot'));
      const first = await sessionAllocators(join(dir, '1.heapsnapshot'));
      assert.ok(first.traced);
      // Sessions made before tracking started have no stack; every one made since has its maker's.
      const stacked = first.allocators.filter((a) => a !== null);
      assert.ok(stacked.length >= 200, `${stacked.length} of ${first.allocators.length} sessions have a stack`);
      assert.ok(stacked.every((a) => MAKERS.has(a)), `made by ${[...new Set(stacked)]}`);
      // V8's sampling heap profiler runs beside the tracking.
      assert.ok(target.allocationSites(10).some((s) => s.file === program('tracked-sessions.js')), JSON.stringify(target.allocationSites(10)));

      // Another tool turns the HeapProfiler off, which stops the tracking: the next capture turns both back on.
      await session.send('HeapProfiler.disable');
      const reset = await target.capture(join(dir, '2.heapsnapshot'));
      assert.equal(reset.idsRestarted, true);
      assert.deepEqual(target.notes, []);
      await sleep(600);
      await target.capture(join(dir, '3.heapsnapshot'));
      const after = await sessionAllocators(join(dir, '3.heapsnapshot'));
      const stackedAfter = after.allocators.filter((a) => a !== null && MAKERS.has(a)).length;
      assert.ok(stackedAfter >= 200, `sessions made after the reset have their stack again: ${stackedAfter} of ${after.allocators.length}`);
    });

    test('without allocation tracking, snapshots have no allocation stacks', async () => {
      await using watched = await watchSessions(node, {});
      await watched.target.start();
      await sleep(300);
      const file = join(scratch('untracked'), '1.heapsnapshot');
      await watched.target.capture(file);
      const { traced, allocators } = await sessionAllocators(file);
      assert.equal(traced, false);
      assert.ok(allocators.every((a) => a === null));
    });

    test('a process tracking since launch (as `run` starts it) keeps the stacks of what it made before we connected', async () => {
      await using watched = await watchSessions(node, { trackAllocations: 'since-launch' }, ['--track-heap-objects']);
      await watched.target.start();
      await sleep(300);
      const file = join(scratch('since-launch'), '1.heapsnapshot');
      await watched.target.capture(file);
      const { allocators } = await sessionAllocators(file);
      assert.ok(allocators.every((a) => a !== null && MAKERS.has(a)), `every session, the first ones too: made by ${[...new Set(allocators)]}`);
    });
  });
}

test('a part of the watch that cannot start turns itself off: logged, and said once under its process in Snapshots', async () => {
  const launched = await launchInspected(program('hardened.js'));
  const session = await InspectorSession.connect(launched.inspectorUrl);
  const logger = recordingLogger();
  const target = new LiveTarget(session, { pollIntervalMs: 200, samplingIntervalBytes: 0, asyncTracking: true, logger });
  try {
    await target.start();
    assert.equal(target.notes.length, 1, target.notes.join('\n'));
    assert.match(target.notes[0], /^async-resource tracking is off \(.*require is not defined.*\): async resources are counted by type only, without where they were created$/);
    assert.ok(logger.lines.some((line) => line.startsWith('warn async-resource tracking failed: ')), logger.lines.join('\n'));
    // The rest of the watch runs: snapshots, and dumps by type.
    await target.capture(join(scratch('hardened'), '1.heapsnapshot'));
    assert.ok(Object.keys((await target.dumpAsync()).active).length > 0);
    const process = new WatchedProcess('p1', 'hardened.js', target, logger, null);
    const [row] = snapshotItems([process]);
    assert.deepEqual(row.children?.map((c) => [c.label, c.icon]), [[target.notes[0], 'warning']]);
  } finally {
    await target.dispose(true);
    await launched.stop();
  }
});

test('a watch whose start fails leaves nothing behind: no timer reading memory, the connection closed', async () => {
  const launched = await launchInspected(program('hardened.js'));
  const session = await InspectorSession.connect(launched.inspectorUrl);
  const logger = recordingLogger();
  const live = new LiveSession('p1', 'hardened.js', new LiveTarget(session, { pollIntervalMs: 50, samplingIntervalBytes: null, asyncTracking: false, logger }), logger);
  // The program ends between connecting and starting: the start cannot complete.
  await launched.stop();
  await assert.rejects(live.start());
  assert.equal(live.target.memory.running, false, 'the sampler stopped');
  assert.ok(session.isClosed, 'the connection is closed');
  assert.equal(live.endedBecause, 'it could not be watched');
});

test('no GC of ours while a capture is taken or analysed: the post-GC reading each capture asks for waits until the analysis lets go', async () => {
  const launched = await launchInspected(example('churn.js'));
  const session = await InspectorSession.connect(launched.inspectorUrl);
  const samples: MemorySample[] = [];
  const target = new LiveTarget(session, { pollIntervalMs: 50, gcEveryMs: 200, samplingIntervalBytes: null, asyncTracking: false, onSample: (s) => samples.push(s), logger: recordingLogger() });
  const postGc = (from: number, to = Infinity) => samples.filter((s) => s.afterGc && s.timeMs > from && s.timeMs < to).length;
  try {
    await target.start();
    await sleep(700);
    assert.ok(postGc(0) >= 2, `${postGc(0)} post-GC readings before`);
    const release = target.memory.holdGc();
    // A GC asked for just before the hold may still be answered in its first moments.
    const heldFrom = target.memory.elapsedMs() + 150;
    await target.capture(join(scratch('held-gc'), '1.heapsnapshot'));
    await sleep(600);
    const heldTo = target.memory.elapsedMs();
    assert.equal(postGc(heldFrom, heldTo), 0, 'no post-GC reading while held');
    assert.ok(samples.filter((s) => s.timeMs > heldFrom).length >= 5, 'readings go on, without a GC');
    // Without a period of its own, the capture's reading still comes once let go.
    target.memory.setGcEvery(0);
    release();
    await sleep(300);
    assert.equal(postGc(heldTo), 1, 'one post-GC reading once let go');
  } finally {
    await target.dispose(true);
    await launched.stop();
  }
});
