// A cache with a bound: the newest 500 results are kept, the oldest evicted. It fills up in
// the first second and then stays the same size, however busy it is: no leak.
'use strict';

const LIMIT = 500;
const cache = new Map();

function lookup(key) {
  let value = cache.get(key);
  if (value) {
    // Refresh: a Map iterates in insertion order, so re-inserting makes it the newest.
    cache.delete(key);
  } else {
    value = { key, payload: 'x'.repeat(512), computedAt: Date.now() };
  }
  cache.set(key, value);
  if (cache.size > LIMIT) cache.delete(cache.keys().next().value);
  return value;
}

let next = 0;
setInterval(() => {
  for (let i = 0; i < 200; i++) lookup(`item-${next++ % 5000}`);
}, 20);
