// `leakscope watch` as a user runs it: snapshots only once memory keeps climbing, a report as
// soon as they show a leak; a flat program is never snapshotted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport } from '../../src/analysis/report.ts';
import { leakscope } from '../helpers/cli.ts';
import { example, scratch } from '../helpers/paths.ts';

test('a leaking program: a baseline once memory has climbed for the window, spaced snapshots, and a leak report before the time is up', () => {
  const dir = scratch('watch-leak');
  const json = join(dir, 'report.json');
  const { code, stdout, stderr } = leakscope('watch', example('map-cache.js'), '--for', '90s', '--when', 'rate=1MB/min,over=6s,every=3s', '--out', join(dir, 'snaps'), '--json', json, '--fail-on-leak');
  assert.equal(code, 1, stderr);
  assert.match(stderr, /snapshot 1: memory climbs \+\d+ MB\/min \(post-GC heap and buffers, over the last 6 s\)…/);
  assert.match(stderr, /leak suspected: Map `sessions` keeps growing, \+\d+(\.\d)? MB since the first snapshot/);
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
  const { code, stdout, stderr } = leakscope('watch', example('bounded-cache.js'), '--for', '12s', '--when', 'over=4s,every=2s', '--out', join(dir, 'snaps'), '--json', json, '--fail-on-leak');
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
