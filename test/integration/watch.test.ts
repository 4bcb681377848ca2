// `leakscope watch` as a user runs it: snapshots only once memory keeps climbing, a report as
// soon as they show a leak; a flat program is never snapshotted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport } from '../../src/analysis/report.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchInspected } from '../../src/inspector/launch.ts';
import { leakscope } from '../helpers/cli.ts';
import { example, program, scratch } from '../helpers/paths.ts';

test('a leaking program: a baseline once memory has climbed for the window, spaced snapshots, and a leak report before the time is up', () => {
  const dir = scratch('watch-leak');
  const json = join(dir, 'report.json');
  const { code, stdout, stderr } = leakscope('watch', example('map-cache.js'), '--for', '90s', '--when', 'rate=1MB/min,over=6s,every=3s', '--out', join(dir, 'snaps'), '--json', json, '--fail-on-leak');
  assert.equal(code, 1, stderr);
  assert.match(stderr, /snapshot 1: memory climbs \+\d+ MB\/min \(post-GC heap and buffers, over the last 6 s\)…/);
  assert.match(stderr, /leak suspected: Map `sessions` keeps growing, \+\d+(\.\d)? MB \(\+[\d,]+ entries\) in \d+ s/);
  assert.match(stdout, /Verdict: LEAK/);
  const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
  assert.equal(report.verdict, 'leak');
  assert.equal(report.suspects[0].heldBy, 'sessions');
  assert.equal(report.snapshots.length, 3);
  // The first after a full window of readings, then at least the interval apart.
  const [first, ...rest] = report.run.snapshotTimesMs;
  assert.ok(first >= 6000, `first snapshot at ${first} ms`);
  // Snapshots start at least `every` apart; their times are when each ended, which a shorter
  // capture brings a little closer.
  rest.forEach((t, k) => assert.ok(t - report.run.snapshotTimesMs[k] >= 2500, `snapshots at ${report.run.snapshotTimesMs}`));
  assert.ok(report.run.durationMs < 60_000, `the report came once there was a verdict, after ${report.run.durationMs} ms`);
  assert.equal(report.run.exitedEarly, null, 'the program was stopped by the watch, not ended on its own');
});

test('a program whose memory stays flat is never snapshotted: no leak, from its readings alone', () => {
  const dir = scratch('watch-flat');
  const json = join(dir, 'report.json');
  // The rule scaled to a 4 s window asks a rise of 1 MB in it, as the default asks 10 MB in 5
  // minutes: V8 compiling the program's code on a busy machine can add a few hundred KB in 4 s.
  const { code, stdout, stderr } = leakscope('watch', example('bounded-cache.js'), '--for', '12s', '--when', 'rate=15MB/min,over=4s,every=2s', '--out', join(dir, 'snaps'), '--json', json, '--fail-on-leak');
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^No snapshot taken\n\nVerdict: NO LEAK — memory never climbed enough to take a snapshot/);
  assert.doesNotMatch(stderr, /snapshot 1/);
  const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
  assert.equal(report.verdict, 'no-leak');
  assert.deepEqual(report.snapshots, []);
  assert.ok(report.samples.filter((s) => s.afterGc).length >= 6, 'post-GC readings all along');
  assert.deepEqual(readdirSync(join(dir, 'snaps')).filter((f) => f.endsWith('.heapsnapshot')), []);
});

test('watch says plainly what it does not take', () => {
  const when = leakscope('watch', example('map-cache.js'), '--when', 'rate=fast');
  assert.equal(when.code, 2);
  assert.equal(when.stderr, "leakscope: --when rate= takes a growth such as 2MB/min, not 'fast'\n");
  const duration = leakscope('watch', example('map-cache.js'), '--duration', '10');
  assert.equal(duration.code, 2);
  assert.match(duration.stderr, /--duration is for run and attach/);
  const forRun = leakscope('run', example('map-cache.js'), '--for', '1h');
  assert.equal(forRun.code, 2);
  assert.equal(forRun.stderr, 'leakscope: --for is for watch\n');
});

test('an attached process running out of heap: the limit rule snapshots it on the way, and what it took outlives the crash', async () => {
  const dir = scratch('watch-limit');
  const json = join(dir, 'report.json');
  // About 8 MB a second under a 96 MB heap: V8 gives up after some ten seconds.
  const launched = await launchInspected(program('runs-out-of-heap.js'), { nodeArgs: ['--max-old-space-size=96'] });
  try {
    const { code, stderr } = leakscope('watch', launched.inspectorUrl, '--for', '90s', '--when', 'rate=1GB/min,over=5s,limit=50%,every=3s', '--out', join(dir, 'snaps'), '--json', json);
    assert.equal(code, 0, stderr);
    // The limit is the old generation's, as --max-old-space-size set it (heap_size_limit says 144 MB).
    assert.match(stderr, /snapshot 1: the heap reached [\d.]+ MB, \d+% of its 96 MB limit…/);
    const status = await Promise.race([launched.exited, sleep(30_000).then(() => null)]);
    assert.ok(status && (status.signal === 'SIGABRT' || status.code === 134), `the program ran out of heap: ${JSON.stringify(status)}`);
    const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
    // Snapshots 3 s apart: the crash comes before the third, or (on a slower day) after the
    // third showed the leak. Either way the report has what was taken before the crash.
    if (report.run.exitedEarly) assert.match(stderr, /the process at \S+ ended after \d snapshot\(s\); analysing those/);
    else assert.match(stderr, /leak suspected: Map `sessions` keeps growing/);
    assert.ok(report.snapshots.length >= 2, `${report.snapshots.length} snapshot(s) before the crash`);
    const [suspect] = report.suspects;
    assert.equal(suspect?.heldBy, 'sessions', 'the Map that filled the heap is the suspect');
  } finally {
    await launched.stop();
  }
});

test('--keep: a heap past the limit rule is snapshotted on and on; only the baseline and the newest stay on disk', () => {
  const dir = scratch('watch-keep');
  const out = join(dir, 'snaps');
  const json = join(dir, 'report.json');
  // 60 MB of heap, flat: past 1% of any heap limit, so every 2 s is a snapshot, and none shows
  // a leak. (over=10s: a post-GC reading every second, as the limit is judged on those.)
  const { code, stderr } = leakscope('watch', program('flat-big-heap.js'), '--for', '40s', '--when', 'limit=1%,over=10s,every=2s', '--keep', '3', '--out', out, '--json', json, '--', '60');
  assert.equal(code, 0, stderr);
  const taken = [...stderr.matchAll(/snapshot (\d+): the heap reached/g)].map((m) => Number(m[1]));
  assert.ok(taken.length >= 4, `${taken.length} snapshots taken:\n${stderr}`);
  const kept = readdirSync(out).filter((f) => f.endsWith('.heapsnapshot')).sort((a, b) => parseInt(a) - parseInt(b));
  assert.deepEqual(kept, ['1.heapsnapshot', `${taken.at(-2)}.heapsnapshot`, `${taken.at(-1)}.heapsnapshot`]);
  const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
  assert.deepEqual(report.snapshots.map((s) => s.file.slice(out.length + 1)), kept);
  assert.equal(report.verdict, 'no-leak', report.verdictReason);
});
