import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemorySample } from '../../src/analysis/report.ts';
import { Readings } from '../../src/analysis/readings.ts';

/** A reading every 500 ms, a post-GC one every 8th, heapUsed a sawtooth on a slow climb. */
function reading(k: number, capture = false): MemorySample {
  const afterGc = k % 8 === 0;
  const heapUsed = 1e6 * (10 + k / 1000) + (afterGc ? 0 : (k % 8) * 1e5);
  return { timeMs: k * 500, heapUsed, heapTotal: 2 * heapUsed, rss: 4 * heapUsed, external: 1e5, arrayBuffers: 1e4, afterGc, ...(capture ? { capture: true as const } : {}) };
}

function fill(readings: Readings, count: number, capture: (k: number) => boolean = () => false): MemorySample[] {
  const all = Array.from({ length: count }, (_, k) => reading(k, capture(k)));
  for (const r of all) readings.push(r);
  return all;
}

test('until the ring fills, every reading is kept as it came', () => {
  const readings = new Readings(100, 20);
  const all = fill(readings, 60);
  assert.deepEqual(readings.toArray(), all);
  assert.deepEqual(readings.latest(5), all.slice(-5));
  assert.equal(readings.last, all.at(-1));
});

test('hours of readings stay bounded, in order, with the first and the newest readings kept', () => {
  const readings = new Readings(100, 20);
  const all = fill(readings, 50_000);
  const kept = readings.toArray();
  assert.ok(kept.length <= 100 + 4 * 20 + 1, `${kept.length} readings kept`);
  assert.equal(kept[0], all[0]);
  assert.deepEqual(kept.slice(-100), all.slice(-100), 'the recent ones at full resolution');
  assert.deepEqual(readings.latest(3), all.slice(-3));
  for (let k = 1; k < kept.length; k++) assert.ok(kept[k].timeMs > kept[k - 1].timeMs, `out of order at ${k}`);
  // The history covers the whole run evenly: a halved history still has half its buckets, so a
  // bucket spans at most 2 / 20 of the run, and no gap is longer than two buckets.
  const gaps = kept.slice(1).map((r, k) => r.timeMs - kept[k].timeMs);
  assert.ok(Math.max(...gaps) <= (4 * 50_000 * 500) / 20, `a gap of ${Math.max(...gaps)} ms`);
});

test('every bucket of the history keeps a post-GC reading, and the lowest and highest heap of its span', () => {
  const readings = new Readings(100, 20);
  const all = fill(readings, 10_000);
  const kept = readings.toArray();
  const history = kept.slice(0, -100);
  // 9,900 readings in at most 20 buckets: about 1,000 a bucket; each has post-GC readings.
  const postGc = history.filter((r) => r.afterGc);
  assert.ok(postGc.length >= 10, `${postGc.length} post-GC readings`);
  assert.ok(history.every((r) => all.includes(r)), 'real readings, not averages');
  const highest = Math.max(...all.slice(0, -100).map((r) => r.heapUsed));
  assert.equal(Math.max(...history.map((r) => r.heapUsed)), highest);
});

test('a reading taken around a capture survives the downsampling, and a post-GC reading outside it is preferred', () => {
  const readings = new Readings(10, 4);
  // Captures around readings 200 and 600 (their post-GC reading included).
  const all = fill(readings, 1_000, (k) => (k >= 198 && k <= 202) || (k >= 600 && k <= 604));
  const kept = readings.toArray();
  const marked = kept.filter((r) => r.capture);
  assert.ok(marked.some((r) => r.timeMs >= 198 * 500 && r.timeMs <= 202 * 500), 'the first capture');
  assert.ok(marked.some((r) => r.timeMs >= 600 * 500 && r.timeMs <= 604 * 500), 'the second capture');
  assert.ok(kept.filter((r) => r.afterGc && !r.capture).length >= 2);
  assert.equal(kept[0], all[0]);
});
