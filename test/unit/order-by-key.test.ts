import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orderByKey } from '../../src/snapshot/order.ts';

function random(seed: number) {
  return () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

/** Keys in `runs` ascending runs, as V8 writes ids, or at random. */
function keysOf(count: number, runs: number, rnd: () => number): Uint32Array {
  const keys = new Uint32Array(count);
  for (let n = 0; n < count; n++) keys[n] = Math.floor(rnd() * 2 ** 32);
  if (runs === 0) return keys;
  const bounds = [0, ...Array.from({ length: runs - 1 }, () => Math.floor(rnd() * count)).sort((a, b) => a - b), count];
  for (let r = 0; r + 1 < bounds.length; r++) keys.subarray(bounds[r], bounds[r + 1]).sort();
  return keys;
}

test('ordinals by key: the order of a stable sort, for ids in a few runs, in many, and at random, never in the lent array', () => {
  const rnd = random(7);
  for (const [count, runs] of [[0, 0], [1, 1], [1000, 1], [1000, 2], [1000, 5], [5000, 60], [5000, 92], [3000, 0]]) {
    const keys = keysOf(count, runs, rnd);
    // Ties too: every key appears twice in the second half.
    if (count > 10) keys.copyWithin(count >> 1, 0, count >> 2);
    const work = new Uint32Array(count + 1);
    const order = orderByKey(keys, work);
    const expected = Array.from(keys.keys()).sort((a, b) => keys[a] - keys[b] || a - b);
    assert.deepEqual([...order], expected, `${count} keys in ${runs} runs`);
    assert.notEqual(order.buffer, work.buffer);
  }
});
