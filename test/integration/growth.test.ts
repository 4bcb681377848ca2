// Three snapshots of a running program: what grows, where it was declared, and the verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSnapshots } from '../../src/analysis/analyze.ts';
import { captureSeries } from '../helpers/snapshot-series.ts';
import { example, scratch } from '../helpers/paths.ts';

const series = (name: string, count = 3) =>
  captureSeries(example(name), { count, warmupMs: 800, intervalMs: 1000, outDir: scratch(name) });

test('a Map that never forgets is suspect 1, at the line that declares it', async () => {
  const report = await analyzeSnapshots(await series('map-cache.js'));
  assert.equal(report.verdict, 'leak');
  const [first] = report.suspects;
  assert.ok(first, 'there is a suspect');
  assert.equal(first.kind, 'collection');
  assert.equal(first.className, 'Map');
  assert.equal(first.heldBy, 'sessions');
  assert.equal(first.location?.file, example('map-cache.js'));
  assert.equal(first.location?.line, 5);
  // 100 sessions every 50 ms: about 2,000 more per second of the run.
  assert.ok(first.countGrowth! > 2000, `entries grew by ${first.countGrowth}`);
  assert.ok(first.growthBytes > 2000 * 2048, `grew ${first.growthBytes} bytes`);
  const counts = first.series.map((s) => s!.count!);
  assert.ok(counts[0] < counts[1] && counts[1] < counts[2], `entries per snapshot: ${counts}`);
  assert.equal(first.retainerPath.at(-1), 'Map');
  assert.equal(first.retainerPath.at(-2), '(module map-cache.js) sessions');
  // Each step of the path opens the line it stands for: the variable at its declaration.
  assert.equal(first.retainerLocations.length, first.retainerPath.length);
  assert.deepEqual([first.retainerLocations.at(-2)?.file, first.retainerLocations.at(-2)?.line], [example('map-cache.js'), 5]);
  // New objects are still alive: allocated between snapshots and never let go.
  assert.ok(report.snapshots[1].newStillAlive! > 0.9 * report.snapshots[1].newObjects!);
});

test('a program that only churns has no growth suspect and no leak', async () => {
  const report = await analyzeSnapshots(await series('churn.js'));
  assert.deepEqual(
    report.suspects.map((s) => s.title),
    [],
  );
  assert.equal(report.verdict, 'no-leak');
});

test('two snapshots are not enough to call a leak', async () => {
  const report = await analyzeSnapshots(await series('map-cache.js', 2));
  assert.equal(report.suspects[0]?.heldBy, 'sessions');
  assert.equal(report.verdict, 'inconclusive');
});

test('snapshots given newest first are called out, not compared', async () => {
  const files = await series('map-cache.js');
  const report = await analyzeSnapshots([...files].reverse());
  assert.equal(report.verdict, 'inconclusive');
  assert.match(report.verdictReason, /give snapshots of one process, oldest first/);
  assert.deepEqual(report.suspects, []);
});
