// When a watch takes snapshots by itself: only once the program's memory keeps climbing, or
// nears its heap limit; then a baseline and snapshots spaced after it, never more often than
// the rule allows. A program whose memory stays flat is never snapshotted.
import type { MemorySample } from './report.ts';
import { isGrowing, thin, trendOf } from './trend.ts';
import { formatBytes, formatPerMinute } from '../present/units.ts';

export interface WatchRule {
  /** Post-GC memory (JS heap + external) climbing at least this fast, bytes per second… */
  growthBytesPerSec: number;
  /** …over the last readings of this long, starts the snapshots. */
  windowMs: number;
  /** Or the post-GC heap passing this share of the heap limit (0–1). */
  heapLimitShare: number;
  /** Between two snapshots at least (the first follow-up, too). */
  minIntervalMs: number;
}

export const DEFAULT_RULE: WatchRule = {
  growthBytesPerSec: (2 * 1024 * 1024) / 60,
  windowMs: 5 * 60_000,
  heapLimitShare: 0.8,
  minIntervalMs: 2 * 60_000,
};

/** Trends over more points than this are thinned (the trend is quadratic in its points). */
const MAX_TREND_POINTS = 200;

export type WatchDecision = { capture: false } | { capture: true; reason: string };

/**
 * Whether to take a snapshot now, given the readings so far (oldest first), when the last
 * snapshot was taken (null: none yet) and the program's heap limit (null: unknown).
 */
export function decide(readings: readonly MemorySample[], nowMs: number, lastCaptureMs: number | null, heapLimit: number | null, rule: WatchRule): WatchDecision {
  if (lastCaptureMs !== null && nowMs - lastCaptureMs < rule.minIntervalMs) return { capture: false };
  const settled = readings.filter((r) => r.afterGc);
  const latest = settled.at(-1);
  if (!latest) return { capture: false };
  if (heapLimit !== null && latest.heapUsed >= rule.heapLimitShare * heapLimit) {
    return { capture: true, reason: `the heap reached ${formatBytes(latest.heapUsed)}, ${Math.round((latest.heapUsed / heapLimit) * 100)}% of its ${formatBytes(heapLimit)} limit` };
  }
  // A window's worth of readings first: a minute of start-up is not a trend.
  const window = settled.filter((r) => r.timeMs >= nowMs - rule.windowMs);
  if (settled[0].timeMs > nowMs - rule.windowMs) return { capture: false };
  const trend = trendOf(thin(window, MAX_TREND_POINTS).map((r) => ({ t: r.timeMs / 1000, v: r.heapUsed + r.external })));
  const minRise = (rule.growthBytesPerSec * rule.windowMs) / 1000;
  if (!isGrowing(trend, minRise) || trend.slope < rule.growthBytesPerSec) return { capture: false };
  return { capture: true, reason: `memory climbs ${formatPerMinute(trend.slope)} (post-GC heap and buffers, over the last ${Math.round(rule.windowMs / 1000)} s)` };
}
