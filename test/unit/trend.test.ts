import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isGrowing, thin, trendOf } from '../../src/analysis/trend.ts';

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
