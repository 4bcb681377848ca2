// The Memory Growth panel's pure logic: chart data and labels. No DOM, so it is tested in plain Node.
import type { MemorySample } from '../analysis/report.ts';
import { formatBytes } from '../present/units.ts';
import type { SnapshotMarker, SuspectSeries } from './protocol.ts';

export { formatBytes };

/** uPlot's data layout (x first, then one array per series), without importing uPlot's DOM types. */
export type Columns = [number[], ...Array<Array<number | null>>];

/**
 * Seconds since start; heapUsed, heapTotal, rss, external; then heapUsed only where read after
 * a GC, and rss only where read around a heap capture (dots: that rss is partly the capture's).
 */
export function liveColumns(samples: readonly MemorySample[]): Columns {
  return [
    samples.map((s) => s.timeMs / 1000),
    samples.map((s) => s.heapUsed),
    samples.map((s) => s.heapTotal),
    samples.map((s) => s.rss),
    samples.map((s) => s.external),
    samples.map((s) => (s.afterGc ? s.heapUsed : null)),
    samples.map((s) => (s.capture ? s.rss : null)),
  ];
}

/** The last value that is not null (or undefined, in uPlot's data), or null. */
export function newest(values: ArrayLike<number | null | undefined>): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] != null) return values[i]!;
  return null;
}

/** Markers on the chart's x scale (seconds) that fall inside [min, max]. */
export function markersInRange(markers: readonly SnapshotMarker[], min: number, max: number): Array<{ x: number; label: string }> {
  return markers.map((m) => ({ x: m.timeMs / 1000, label: m.label })).filter((m) => m.x >= min && m.x <= max);
}

/**
 * Seconds per snapshot, then each suspect's bytes. A suspect with fewer values than snapshots
 * belongs to the newest ones (series are oldest first): it gets nulls, gaps, at the front.
 */
export function suspectColumns(snapshotTimesMs: readonly number[], series: readonly SuspectSeries[]): Columns {
  const n = snapshotTimesMs.length;
  return [
    snapshotTimesMs.map((t) => t / 1000),
    ...series.map((s) => {
      const bytes = s.bytes.slice(-n);
      return [...Array<null>(n - bytes.length).fill(null), ...bytes];
    }),
  ];
}

/** Tick steps for a bytes axis: 1, 2, 5, 10… of B, KB, MB, GB, TB, so ticks are round in one unit. */
export const BYTE_INCRS = [0, 1, 2, 3, 4].flatMap((k) => [1, 2, 5, 10, 20, 50, 100, 200, 500].map((m) => m * 1024 ** k));

/** Tick steps for a seconds axis. */
export const SECOND_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400];

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Axis labels for byte ticks, all in the unit of the step between them: "0", "500 KB", "1000 KB". */
export function byteTicks(splits: readonly number[]): string[] {
  const step = splits.length > 1 ? Math.abs(splits[1]! - splits[0]!) : Math.abs(splits[0] ?? 0);
  const k = Math.min(UNITS.length - 1, Math.max(0, Math.floor(Math.log(step || 1) / Math.log(1024))));
  return splits.map((v) => (v === 0 ? '0' : `${+(v / 1024 ** k).toFixed(1)} ${UNITS[k]}`));
}

/** 45s, 1:30, 1:02:03. */
export function formatSeconds(seconds: number): string {
  const total = Math.round(seconds);
  if (Math.abs(total) < 60) return `${total}s`;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
