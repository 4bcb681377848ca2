import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemorySample } from '../../src/analysis/report.ts';
import { decide, DEFAULT_RULE, WatchRule } from '../../src/analysis/watch-policy.ts';
import { parseDuration, parseRule } from '../../src/cli/watch.ts';
import { overBudget } from '../../src/live/live-session.ts';

const MB = 1024 * 1024;
const rule: WatchRule = { growthBytesPerSec: (2 * MB) / 60, windowMs: 60_000, heapLimitShare: 0.8, minIntervalMs: 30_000 };

/** Post-GC readings every 5 s for `minutes`, heap from `heap(t)` (t in s), external flat. */
function readings(minutes: number, heap: (t: number) => number): MemorySample[] {
  const out: MemorySample[] = [];
  for (let t = 0; t <= minutes * 60; t += 5) {
    out.push({ timeMs: t * 1000, heapUsed: heap(t), heapTotal: 0, rss: 0, external: 10 * MB, arrayBuffers: 0, afterGc: true });
  }
  return out;
}

/** Replays the readings, snapshotting when told: the times (s) of the snapshots. */
function replay(all: MemorySample[], heapLimit: number | null = null): number[] {
  const taken: number[] = [];
  for (let k = 0; k < all.length; k++) {
    const now = all[k].timeMs;
    const last = taken.length ? taken.at(-1)! * 1000 : null;
    if (decide(all.slice(0, k + 1), now, last, heapLimit, rule).capture) taken.push(now / 1000);
  }
  return taken;
}

test('a flat program is never snapshotted, however noisy its readings', () => {
  assert.deepEqual(replay(readings(30, (t) => 50 * MB + (t % 20 === 0 ? 8 * MB : 0) - ((t * 7) % 3) * MB)), []);
});

test('memory climbing 6 MB/min: a baseline once a window of readings shows it, then one snapshot per interval', () => {
  const taken = replay(readings(3, (t) => 50 * MB + (6 * MB * t) / 60));
  assert.equal(taken[0], 60, 'the first window of readings is complete at 60 s');
  assert.deepEqual(taken, [60, 90, 120, 150, 180]);
});

test('growth slower than the rule is not enough', () => {
  assert.deepEqual(replay(readings(10, (t) => 50 * MB + (1 * MB * t) / 60)), []);
});

test('a cache that fills and then stops: snapshots while it climbs, none once flat', () => {
  const taken = replay(readings(10, (t) => 50 * MB + (Math.min(t, 150) * 6 * MB) / 60));
  assert.ok(taken.length >= 2 && taken.every((s) => s <= 180), `snapshots at ${taken.join(', ')} s`);
});

test('a heap past 80% of its limit is snapshotted at once, flat or not', () => {
  const taken = replay(readings(2, () => 90 * MB), 100 * MB);
  assert.equal(taken[0], 0);
  assert.deepEqual(taken, [0, 30, 60, 90, 120]);
});

test('the reason says what the user should hear', () => {
  const all = readings(1, (t) => 50 * MB + (6 * MB * t) / 60);
  const decision = decide(all, 60_000, null, null, rule);
  assert.ok(decision.capture);
  assert.match(decision.reason, /^memory climbs \+6\.0 MB\/min \(post-GC heap and buffers, over the last 60 s\)$/);
  const full = decide(readings(0, () => 90 * MB), 0, null, 100 * MB, rule);
  assert.ok(full.capture);
  assert.equal(full.reason, 'the heap reached 90 MB, 90% of its 100 MB limit');
});

test('--when and --for read as people write them', () => {
  const rule = parseRule('rate=6MB/min, over=90s,limit=75%,every=1m', DEFAULT_RULE);
  assert.deepEqual(rule, { growthBytesPerSec: (6 * MB) / 60, windowMs: 90_000, heapLimitShare: 0.75, minIntervalMs: 60_000 });
  assert.deepEqual(parseRule('', DEFAULT_RULE), DEFAULT_RULE);
  assert.equal(parseRule('rate=512KB/s', DEFAULT_RULE).growthBytesPerSec, 512 * 1024);
  assert.deepEqual(['500ms', '90s', '90', '5m', '1.5h'].map((d) => parseDuration('--for', d)), [500, 90_000, 90_000, 300_000, 5_400_000]);
  assert.throws(() => parseDuration('--for', 'soon'), /--for takes a duration such as 90s, 5m or 1h, not 'soon'/);
  assert.throws(() => parseRule('limit=120%', DEFAULT_RULE), /--when limit= takes a share of the heap limit such as 80%, not '120%'/);
  assert.throws(() => parseRule('often=1m', DEFAULT_RULE), /--when knows rate=, over=, limit= and every=, not 'often=1m'/);
});

test("the watch's disk budget keeps the baseline and the newest, and never a snapshot the user took", () => {
  const taken = (auto: boolean[]) => auto.map((a, k) => ({ name: `#${k + 1}`, auto: a }));
  const names = (list: Array<{ name: string }>) => list.map((s) => s.name);
  assert.deepEqual(names(overBudget(taken([true, true, true]), 3)), []);
  assert.deepEqual(names(overBudget(taken([true, true, true, true]), 3)), ['#2']);
  assert.deepEqual(names(overBudget(taken([true, true, true, true, true, true]), 3)), ['#2', '#3', '#4']);
  // #2 was asked for: not the watch's to delete, nor counted in its budget.
  assert.deepEqual(names(overBudget(taken([true, false, true, true, true]), 3)), ['#3']);
  assert.deepEqual(names(overBudget(taken([false, false, false, false]), 3)), []);
});
