// Numbers for people: sizes, counts, their signed changes and rates. No Node imports: the
// panel's browser code uses these too.

/** Bytes for people: 512 B, 12.4 KB, 3.1 MB, 1.2 GB (powers of 1024). */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  if (value < 1024) return `${sign}${Math.round(value)} B`;
  for (const unit of ['KB', 'MB', 'GB', 'TB']) {
    value /= 1024;
    if (value < 1024 || unit === 'TB') return `${sign}${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
  }
  return `${sign}${value} B`;
}

/** +1.2 MB / -300 KB */
export function formatDelta(bytes: number): string {
  return bytes >= 0 ? `+${formatBytes(bytes)}` : formatBytes(bytes);
}

/** +38 MB/min: a trend, from bytes per second. */
export function formatPerMinute(bytesPerSec: number): string {
  return `${formatDelta(bytesPerSec * 60)}/min`;
}

/** A trend per minute, or that there is none (too few readings to draw a line). */
export function formatTrend(bytesPerSec: number | null): string {
  return bytesPerSec === null ? 'no trend' : formatPerMinute(bytesPerSec);
}

/** 0.5 s, 9.5 s, 12 s: a time since some start, from milliseconds. */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** 1, 2 or 5 times a power of ten, at least `raw`: steps people can read (ticks, bar widths). */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
}

/** 30,700 */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** +30,700 / -12 / 0 */
export function formatCountDelta(n: number): string {
  return `${n > 0 ? '+' : ''}${formatCount(n)}`;
}

/** 12.5%, or '-' when there is no whole to be part of. */
export function formatPercent(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '-';
}
