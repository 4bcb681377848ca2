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
