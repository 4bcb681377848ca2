// The allocation timeline (DevTools' "allocation instrumentation on timeline") in bars of
// equal time: what the snapshot still holds of what each stretch of the recording allocated.
// Bars that stay up all along are what the program keeps; one that lets go keeps only the newest.
import type { SnapshotInfo } from '../analysis/report.ts';
import { niceStep } from './units.ts';

export interface TimelineBars {
  /** Still held from before tracking started: V8's first interval, far larger than the rest, so not a bar. */
  beforeBytes: number;
  stepMs: number;
  /** Bytes still held, by when they were allocated: bar k covers k·stepMs to (k+1)·stepMs since tracking started. */
  bars: number[];
}

/**
 * At most `maxBars` bars of 1, 2 or 5 × 10ⁿ ms, and none shorter than V8's average interval
 * (a bar between two samples would stand empty); null without a timeline.
 */
export function timelineBars(timeline: SnapshotInfo['allocationTimeline'], maxBars: number): TimelineBars | null {
  if (!timeline || timeline.length < 2) return null;
  const endMs = timeline[timeline.length - 1].timeMs;
  const stepMs = niceStep(Math.max(endMs / maxBars, endMs / (timeline.length - 1)));
  const bars = new Array<number>(Math.max(1, Math.ceil(endMs / stepMs))).fill(0);
  // Each sample closes an interval: what it counts was allocated up to its time.
  for (const { timeMs, liveBytes } of timeline.slice(1)) bars[Math.min(bars.length - 1, Math.max(0, Math.ceil(timeMs / stepMs) - 1))] += liveBytes;
  return { beforeBytes: timeline[0].liveBytes, stepMs, bars };
}
