import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemorySample } from '../../src/analysis/report.ts';
import { isGrowing, thin, trendOf, trendWithin } from '../../src/analysis/trend.ts';
import { memoryFindings } from '../../src/analysis/verdict.ts';

function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

test('a steady climb under noise and outliers is found, at its true slope', () => {
  const random = rng(7);
  const points = Array.from({ length: 60 }, (_, t) => ({ t, v: 50_000_000 + 200_000 * t + (random() - 0.5) * 400_000 }));
  // A few wild readings (a burst of work before a GC) must not bend the line.
  for (const k of [5, 17, 33]) points[k].v += 30_000_000;
  const trend = trendOf(points);
  assert.ok(Math.abs(trend.slope - 200_000) < 20_000, `slope ${trend.slope}`);
  assert.ok(isGrowing(trend, 1_000_000));
});

test('a sawtooth that returns to the same floor is not growth', () => {
  const points = Array.from({ length: 60 }, (_, t) => ({ t, v: 50_000_000 + (t % 10) * 1_000_000 }));
  const trend = trendOf(points);
  assert.ok(Math.abs(trend.rise) < 5_000_000, `rise ${trend.rise}`);
  assert.equal(isGrowing(trend, 5_000_000), false);
});

test('a bounded cache that fills and then holds is growth only while it fills', () => {
  const filling = Array.from({ length: 30 }, (_, t) => ({ t, v: 40_000_000 + Math.min(t, 10) * 1_000_000 }));
  assert.equal(isGrowing(trendOf(filling.slice(12)), 1_000_000), false, 'flat once full');
  assert.equal(isGrowing(trendOf(filling.slice(0, 10)), 1_000_000), true, 'rising while filling');
});

test('too few points never make a trend', () => {
  assert.equal(isGrowing(trendOf([{ t: 0, v: 1 }, { t: 1, v: 100 }]), 10), false);
});

test('thinning keeps the ends and spreads the rest', () => {
  const items = Array.from({ length: 1000 }, (_, k) => k);
  const few = thin(items, 11);
  assert.equal(few.length, 11);
  assert.equal(few[0], 0);
  assert.equal(few.at(-1), 999);
});

test('stretches offset by steps: only pairs within a stretch make the slope', () => {
  // Flat stretches, each 80 MB above the one before: steps, not growth.
  const steps = [0, 1, 2].map((k) => Array.from({ length: 10 }, (_, t) => ({ t: k * 20 + t, v: 100e6 + k * 80e6 + (t % 2) * 1e5 })));
  const flat = trendWithin(steps);
  assert.ok(Math.abs(flat.slope) < 1e4, `slope ${flat.slope}`);
  assert.equal(isGrowing(flat, 1e6), false);
  assert.ok(isGrowing(trendOf(steps.flat()), 1e6), 'read as one series, the steps look like growth');
  // The same steps over a real climb of 1 MB/s: the climb is found at its slope.
  const climbing = steps.map((points) => points.map((p) => ({ t: p.t, v: p.v + 1e6 * p.t })));
  const trend = trendWithin(climbing);
  assert.ok(Math.abs(trend.slope - 1e6) < 1e5, `slope ${trend.slope}`);
  assert.ok(isGrowing(trend, 1e6));
  // A stretch of one point makes no slope, and alone, no trend.
  assert.equal(trendWithin([[{ t: 0, v: 1 }], [{ t: 1, v: 1e9 }], [{ t: 2, v: 2e9 }]]).points, 0);
});

/**
 * A run as `leakscope run` reads it: a reading every 500 ms, post-GC every 2nd, captures at
 * `captures` (seconds) of 3 s each, marked with a second to settle. The heap is flat; rss
 * steps up by `step` at every capture and climbs by `rssPerSec` besides.
 */
function run(options: { captures: number[]; step: number; rssPerSec: number; externalPerSec?: number }): MemorySample[] {
  return Array.from({ length: 120 }, (_, k) => {
    const t = k / 2;
    const done = options.captures.filter((c) => t >= c + 3).length;
    const capture = options.captures.some((c) => t >= c && t < c + 4);
    return {
      timeMs: t * 1000,
      heapUsed: 300e6 + (k % 2 ? 5e6 : 0),
      heapTotal: 320e6,
      rss: 400e6 + done * options.step + options.rssPerSec * t + (capture ? options.step / 2 : 0),
      external: 2e6 + (options.externalPerSec ?? 0) * t,
      arrayBuffers: 1e6,
      afterGc: k % 2 === 0,
      ...(capture ? { capture: true as const } : {}),
    };
  });
}

test('the steps of our own captures are not the program\'s rss growth; growth between them is', () => {
  const flat = memoryFindings(run({ captures: [15, 30, 45], step: 80e6, rssPerSec: 0 }), 10_000);
  assert.equal(flat.rssGrows, false, `rss ${flat.rss.slope} B/s`);
  assert.equal(flat.heapGrows, false);
  const unmarked = run({ captures: [15, 30, 45], step: 80e6, rssPerSec: 0 }).map(({ capture: _, ...rest }) => rest);
  assert.equal(memoryFindings(unmarked, 10_000).rssGrows, true, 'unmarked, the steps read as growth');
  const growing = memoryFindings(run({ captures: [15, 30, 45], step: 80e6, rssPerSec: 2e6, externalPerSec: 2e6 }), 10_000);
  assert.ok(growing.rssGrows && growing.externalGrows);
  assert.ok(Math.abs(growing.rss.slope - 2e6) < 2e5, `rss ${growing.rss.slope} B/s`);
});
