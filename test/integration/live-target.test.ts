// Watching a live process as the extension does: memory readings, snapshots on demand,
// async dumps, allocation sampling, and surviving a debugger that resets the HeapProfiler.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MemorySample } from '../../src/analysis/report.ts';
import { launchInspected } from '../../src/inspector/launch.ts';
import { LiveTarget } from '../../src/inspector/live-target.ts';
import { InspectorSession } from '../../src/inspector/session.ts';
import { example, scratch } from '../helpers/paths.ts';

test('a watched process: rising readings, comparable snapshots, and a new epoch after a debugger disables the HeapProfiler', async () => {
  const program = await launchInspected(example('map-cache.js'));
  const session = await InspectorSession.connect(program.inspectorUrl);
  const samples: MemorySample[] = [];
  const target = new LiveTarget(session, { pollIntervalMs: 100, samplingIntervalBytes: 0, asyncTracking: true, onSample: (s) => samples.push(s) });
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
    assert.ok(sites.some((s) => s.file === example('map-cache.js') && s.functionName === 'handleRequest'), JSON.stringify(sites));
    const dump = await target.dumpAsync();
    assert.ok((dump.active.Timeout ?? 0) >= 1, JSON.stringify(dump.active));
    assert.ok(dump.groups !== null, 'the tracker is installed');
  } finally {
    await target.dispose(true);
    await program.stop();
  }
});
