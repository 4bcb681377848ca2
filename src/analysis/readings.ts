import type { MemorySample } from './report.ts';

/** Up to four real readings standing for `count` consecutive ones. */
interface Bucket {
  count: number;
  /** What trends are drawn from: a post-GC reading, one outside a capture if there is one. */
  afterGc: MemorySample | null;
  /** The lowest and highest heapUsed: the chart's envelope. */
  low: MemorySample;
  high: MemorySample;
  /** A reading taken around a capture: it keeps the capture's place between the stretches of the trend. */
  capture: MemorySample | null;
}

function bucketOf(sample: MemorySample): Bucket {
  return { count: 1, afterGc: sample.afterGc ? sample : null, low: sample, high: sample, capture: sample.capture ? sample : null };
}

/** Of two post-GC readings, the earlier, unless only the later one is outside a capture. */
function postGc(a: MemorySample | null, b: MemorySample | null): MemorySample | null {
  return !a || (a.capture && b && !b.capture) ? b : a;
}

/** `a` and the bucket right after it, as one. */
function merge(a: Bucket, b: Bucket): Bucket {
  return {
    count: a.count + b.count,
    afterGc: postGc(a.afterGc, b.afterGc),
    low: b.low.heapUsed < a.low.heapUsed ? b.low : a.low,
    high: b.high.heapUsed > a.high.heapUsed ? b.high : a.high,
    capture: a.capture ?? b.capture,
  };
}

/** Eight minutes at the default 500 ms; about 3,400 readings in all. */
const RECENT_READINGS = 1000;
const HISTORY_BUCKETS = 600;

/**
 * The memory readings of a watch of any length, in bounded memory: the newest at full
 * resolution in a ring; older ones in a history of buckets of equal size that doubles
 * whenever the history fills, so the whole run stays evenly covered (a trend drawn from it
 * is not weighted towards the recent past) in at most `recent + 4 × buckets + 1` readings.
 * Buckets keep real readings, never averages: an average of a post-GC reading and a
 * pre-GC one is neither, and a step averaged over a capture would look like growth.
 */
export class Readings {
  private readonly ring: MemorySample[] = [];
  /** Index of the oldest reading in `ring` once it is full. */
  private head = 0;
  private readonly history: Bucket[] = [];
  /** Readings per history bucket. */
  private width = 1;
  private first: MemorySample | null = null;

  constructor(
    private readonly recent = RECENT_READINGS,
    private readonly buckets = HISTORY_BUCKETS,
  ) {}

  /** Readings to go on from, such as another `Readings`' `toArray()`. */
  static of(samples: readonly MemorySample[]): Readings {
    const readings = new Readings();
    for (const sample of samples) readings.push(sample);
    return readings;
  }

  push(sample: MemorySample): void {
    this.first ??= sample;
    if (this.ring.length < this.recent) return void this.ring.push(sample);
    this.toHistory(this.ring[this.head]);
    this.ring[this.head] = sample;
    this.head = (this.head + 1) % this.recent;
  }

  /** The newest reading. */
  get last(): MemorySample | undefined {
    return this.ring.length ? this.ring[(this.head + this.ring.length - 1) % this.ring.length] : undefined;
  }

  /** The newest `count` readings, at full resolution (as many as the ring holds). */
  latest(count: number): MemorySample[] {
    return this.recentInOrder().slice(-count);
  }

  /** The whole run, oldest first: the first reading, the history as its buckets keep it, then the recent readings. */
  toArray(): MemorySample[] {
    const older = this.history.flatMap((bucket) =>
      [bucket.afterGc, bucket.low, bucket.high, bucket.capture]
        .filter((s, k, all): s is MemorySample => s !== null && s !== this.first && all.indexOf(s) === k)
        .sort((a, b) => a.timeMs - b.timeMs),
    );
    const recent = this.recentInOrder();
    return this.first && recent[0] !== this.first ? [this.first, ...older, ...recent] : [...older, ...recent];
  }

  private recentInOrder(): MemorySample[] {
    return [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
  }

  private toHistory(sample: MemorySample): void {
    if (this.history.length === this.buckets && this.history[this.buckets - 1].count >= this.width) this.halve();
    const last = this.history.at(-1);
    if (last && last.count < this.width) this.history[this.history.length - 1] = merge(last, bucketOf(sample));
    else this.history.push(bucketOf(sample));
  }

  /** Merges the history's buckets two by two: half the resolution, room for as much again. */
  private halve(): void {
    const merged: Bucket[] = [];
    for (let k = 0; k < this.history.length; k += 2) merged.push(k + 1 < this.history.length ? merge(this.history[k], this.history[k + 1]) : this.history[k]);
    this.history.splice(0, this.history.length, ...merged);
    this.width *= 2;
  }
}
