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
  /** Points the slope is drawn from (those in stretches of two or more). */
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
  return trendWithin([points]);
}

/**
 * The trend of a series cut into stretches, each offset from the others by a step that is
 * not growth (the series' memory jumps between them): Theil–Sen over pairs of points of the
 * same stretch only, as Sen's slope for seasonal data pairs within a season. Each stretch has
 * its own intercept; a stretch of one point adds to the level only. `rise` is over the whole
 * span, first point to last.
 */
export function trendWithin(stretches: Point[][]): Trend {
  const all = stretches.flat();
  const paired = stretches.filter((s) => s.length >= 2);
  const slopes: number[] = [];
  for (const points of paired) {
    for (let i = 0; i < points.length; i++) {
      for (let j = i + 1; j < points.length; j++) {
        const dt = points[j].t - points[i].t;
        if (dt > 0) slopes.push((points[j].v - points[i].v) / dt);
      }
    }
  }
  const slope = median(slopes);
  const residuals = paired.flatMap((points) => {
    const intercept = median(points.map((p) => p.v - slope * p.t));
    return points.map((p) => Math.abs(p.v - (intercept + slope * p.t)));
  });
  const span = all.length ? all[all.length - 1].t - all[0].t : 0;
  return { slope, rise: slope * span, noise: median(residuals), level: median(all.map((p) => p.v)), points: residuals.length };
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
