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

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
