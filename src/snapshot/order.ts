/** Runs of ascending keys up to which merging them beats a radix sort's two passes over all. */
const MERGE_MAX_RUNS = 64;

/**
 * Ordinals sorted by their 32-bit key, stably. V8 numbers objects about in the order it writes
 * them, so a snapshot's ids come in a few ascending runs (5 in a 1 GB snapshot, 92 in a third
 * capture of a busy heap): a natural merge sort joins them in a few sequential passes. Keys in
 * no order (the locations of a snapshot) take an LSD radix sort, two 16-bit passes.
 * `work`: at least as many slots as keys, if the caller has them to lend.
 */
export function orderByKey(keys: Uint32Array, work: Uint32Array = new Uint32Array(keys.length)): Uint32Array {
  const runs = [0];
  for (let n = 1; n < keys.length && runs.length <= MERGE_MAX_RUNS; n++) if (keys[n] < keys[n - 1]) runs.push(n);
  if (runs.length > MERGE_MAX_RUNS) return radixOrder(keys, work);
  runs.push(keys.length);
  return mergeRuns(keys, runs, work);
}

function mergeRuns(keys: Uint32Array, bounds: number[], work: Uint32Array): Uint32Array {
  const count = keys.length;
  let runs = bounds;
  let passes = 0;
  for (let left = runs.length - 1; left > 1; left = Math.ceil(left / 2)) passes++;
  // Start where the last pass ends in our own array, not in the lent one.
  const own = new Uint32Array(count);
  const lent = work.subarray(0, count);
  let from = passes % 2 === 0 ? own : lent;
  let to = passes % 2 === 0 ? lent : own;
  for (let n = 0; n < count; n++) from[n] = n;
  while (runs.length > 2) {
    const merged = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const start = runs[r];
      const middle = runs[r + 1];
      const end = r + 2 < runs.length ? runs[r + 2] : middle;
      let i = start;
      let j = middle;
      let k = start;
      while (i < middle && j < end) to[k++] = keys[from[j]] < keys[from[i]] ? from[j++] : from[i++];
      while (i < middle) to[k++] = from[i++];
      while (j < end) to[k++] = from[j++];
      merged.push(end);
    }
    [from, to] = [to, from];
    runs = merged;
  }
  return from;
}

function radixOrder(keys: Uint32Array, work: Uint32Array): Uint32Array {
  const count = keys.length;
  let from: Uint32Array = new Uint32Array(count);
  let to = work.subarray(0, count);
  for (let n = 0; n < count; n++) from[n] = n;
  for (let shift = 0; shift < 32; shift += 16) {
    const buckets = new Uint32Array(65537);
    for (let n = 0; n < count; n++) buckets[((keys[n] >>> shift) & 0xffff) + 1]++;
    for (let b = 0; b < 65536; b++) buckets[b + 1] += buckets[b];
    for (let k = 0; k < count; k++) {
      const n = from[k];
      to[buckets[(keys[n] >>> shift) & 0xffff]++] = n;
    }
    [from, to] = [to, from];
  }
  return from;
}
