/** A series of (time, value) points, as memory readings are. */
export interface Point {
  t: number;
  v: number;
}

export interface Trend {
  /** Units per time unit, robust to outliers (Theil–Sen: the median of all pairwise slopes). */
  slope: number;
  /** slope × the series' time span: how much the line rises over the run. */
  rise: number;
  /** The typical distance of a point from the line (median absolute residual). */
  noise: number;
  /** Median of the values. */
  level: number;
  points: number;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The trend of a noisy series. Theil–Sen ignores up to ~29% of wild points (a GC that
 * landed mid-reading, a burst of work), which a least-squares line would follow.
 * O(n²) pairs: callers pass at most a few hundred points.
 */
export function trendOf(points: Point[]): Trend {
  const n = points.length;
  if (n < 2) return { slope: 0, rise: 0, noise: 0, level: n ? points[0].v : 0, points: n };
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dt = points[j].t - points[i].t;
      if (dt > 0) slopes.push((points[j].v - points[i].v) / dt);
    }
  }
  const slope = median(slopes);
  const intercept = median(points.map((p) => p.v - slope * p.t));
  const noise = median(points.map((p) => Math.abs(p.v - (intercept + slope * p.t))));
  const span = points[n - 1].t - points[0].t;
  return { slope, rise: slope * span, noise, level: median(points.map((p) => p.v)), points: n };
}

/** Evenly thins a long series to at most `max` points, keeping the first and the last. */
export function thin<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const step = (items.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, k) => items[Math.round(k * step)]);
}

/**
 * Whether a trend is real growth: it rises by more than `minRise` and by more than
 * `noiseFactor` times the scatter around it.
 */
export function isGrowing(trend: Trend, minRise: number, noiseFactor = 3): boolean {
  return trend.points >= 3 && trend.rise > minRise && trend.rise > noiseFactor * trend.noise;
}
