import type { AnalysisReport, MemorySample, MemoryTrend, RunReport, Verdict } from './report.ts';
import { formatBytes, formatPerMinute } from '../present/units.ts';
import { isGrowing, Point, thin, trendOf, trendWithin, Trend } from './trend.ts';

/** Memory over a run, after GC, and the verdict that weighs it with the snapshots. */
export interface MemoryFindings {
  /** Post-GC JS heap (heapUsed) trend, bytes per second. */
  heap: Trend;
  /** Post-GC memory outside the JS heap (external: ArrayBuffers, Buffers, native addons). */
  external: Trend;
  rss: Trend;
  heapGrows: boolean;
  externalGrows: boolean;
  rssGrows: boolean;
}

/** Less than this rise over a run is noise, whatever the slope says. */
const MIN_RISE_BYTES = 1024 * 1024;
/** …and so is less than this share of the typical level. */
const MIN_RISE_SHARE = 0.05;
/** Theil–Sen is O(n²): a few hundred points are plenty for a trend. */
const MAX_TREND_POINTS = 300;

/**
 * Over the whole run, captures included: a snapshot collects garbage first and leaves the
 * heap as it was, and it moves external memory by next to nothing (+0.2 MB measured around
 * a 300 MB heap's capture, under the 1 MB floor), so the readings around it count here.
 */
function postGcTrend(samples: MemorySample[], fromMs: number, field: 'heapUsed' | 'external'): Trend {
  const settled = samples.filter((s) => s.afterGc && s.timeMs >= fromMs);
  return trendOf(thin(settled, MAX_TREND_POINTS).map((s) => ({ t: s.timeMs / 1000, v: s[field] })));
}

/**
 * For rss a capture is a step, not growth: V8 builds the snapshot in the program's native
 * memory and the allocator keeps most of it (measured: rss 365 MB → 2.4 GB at a 300 MB heap's
 * first capture, and there it stayed). The slope is read within the stretches between
 * captures only (readings marked as a capture's left out), so no step counts, while growth of
 * the program's own shows in every stretch. Removing each step as measured instead would also
 * remove what the program grew while the capture ran (tens of seconds for a big heap), and
 * rest on the two readings around it. The price: a run whose captures leave under two post-GC
 * readings between them has no rss trend; and native growth first fills the pages a capture
 * freed, so it shows in rss only once it outgrows them (Buffers at 6.4 MB/s left rss flat for
 * 4.5 s after each capture) — ArrayBuffers and Buffers show in `external` all along.
 */
function rssTrend(samples: MemorySample[], fromMs: number): Trend {
  const settled: Array<{ stretch: number; point: Point }> = [];
  let stretch = 0;
  let previousMarked = false;
  for (const s of samples) {
    // A capture's reading is a stretch of its own (its value counts in the level, in no
    // slope), and the readings after it start a new one.
    if (s.capture || previousMarked) stretch++;
    previousMarked = s.capture === true;
    if (s.afterGc && s.timeMs >= fromMs) settled.push({ stretch, point: { t: s.timeMs / 1000, v: s.rss } });
  }
  const stretches = new Map<number, Point[]>();
  for (const { stretch, point } of thin(settled, MAX_TREND_POINTS)) {
    const points = stretches.get(stretch);
    if (points) points.push(point);
    else stretches.set(stretch, [point]);
  }
  return trendWithin([...stretches.values()]);
}

/** The trends as the run's report shows them: no slope where no line could be drawn. */
export function reportedTrends(memory: MemoryFindings): RunReport['memory'] {
  const shown = (t: Trend, grows: boolean): MemoryTrend => ({ slopeBytesPerSec: t.points >= 2 ? t.slope : null, levelBytes: t.level, grows });
  return { heap: shown(memory.heap, memory.heapGrows), external: shown(memory.external, memory.externalGrows), rss: shown(memory.rss, memory.rssGrows) };
}

function grows(trend: Trend): boolean {
  return isGrowing(trend, Math.max(MIN_RISE_BYTES, MIN_RISE_SHARE * trend.level));
}

/**
 * Trends of post-GC memory: only readings right after a full GC show what the program
 * holds; the rest is garbage not yet collected. Readings before `fromMs` (warm-up) are left out.
 */
export function memoryFindings(samples: MemorySample[], fromMs: number): MemoryFindings {
  const heap = postGcTrend(samples, fromMs, 'heapUsed');
  const external = postGcTrend(samples, fromMs, 'external');
  const rss = rssTrend(samples, fromMs);
  return { heap, external, rss, heapGrows: grows(heap), externalGrows: grows(external), rssGrows: grows(rss) };
}

function perMinute(trend: Trend): string {
  return formatPerMinute(trend.slope);
}

/**
 * The run's verdict. A leak needs the snapshots to show something growing in every
 * interval; memory that climbs with nothing to show for it is inconclusive (a cache
 * still filling, or native memory), and a program whose post-GC memory stays flat while
 * it allocates is no leak, however much it churns.
 */
export function runVerdict(report: AnalysisReport, memory: MemoryFindings): { verdict: Verdict; reason: string; notes: string[] } {
  const notes: string[] = [];
  const heap = `post-GC heap ${formatBytes(memory.heap.level)}, ${perMinute(memory.heap)}`;
  if (memory.externalGrows && !memory.heapGrows) {
    notes.push(
      `memory outside the JS heap climbs (${perMinute(memory.external)} of ArrayBuffers/Buffers, rss ${perMinute(memory.rss)}) while the JS heap is flat`,
    );
  } else if (memory.rssGrows && !memory.heapGrows && !memory.externalGrows) {
    // The allocator rarely gives pages back, so rss alone is a lead, not evidence (the steps
    // of our own captures are left out already).
    notes.push(`rss climbs (${perMinute(memory.rss)}) while the JS heap and its buffers are flat: native memory outside V8, or the allocator keeping freed pages — watch it over a longer run`);
  }
  if (report.verdict === 'leak') return { verdict: 'leak', reason: `${report.verdictReason}; ${heap}`, notes };
  if (report.verdict === 'no-leak') {
    if (memory.heapGrows || memory.externalGrows) {
      return {
        verdict: 'inconclusive',
        reason: `memory climbs (${heap}) but no object grew in every interval: run longer, or take more snapshots`,
        notes,
      };
    }
    return { verdict: 'no-leak', reason: `${report.verdictReason}; ${heap}`, notes };
  }
  return { verdict: 'inconclusive', reason: `${report.verdictReason}; ${heap}`, notes };
}
