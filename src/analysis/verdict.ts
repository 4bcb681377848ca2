import type { AnalysisReport, MemorySample, Verdict } from './report.ts';
import { formatBytes, formatPerMinute } from '../present/units.ts';
import { isGrowing, thin, trendOf, Trend } from './trend.ts';

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

function trendOfField(samples: MemorySample[], field: 'heapUsed' | 'external' | 'rss'): Trend {
  return trendOf(thin(samples, MAX_TREND_POINTS).map((s) => ({ t: s.timeMs / 1000, v: s[field] })));
}

function grows(trend: Trend): boolean {
  return isGrowing(trend, Math.max(MIN_RISE_BYTES, MIN_RISE_SHARE * trend.level));
}

/**
 * Trends of post-GC memory: only readings right after a full GC show what the program
 * holds; the rest is garbage not yet collected. Readings before `fromMs` (warm-up) are left out.
 */
export function memoryFindings(samples: MemorySample[], fromMs: number): MemoryFindings {
  const settled = samples.filter((s) => s.afterGc && s.timeMs >= fromMs);
  const heap = trendOfField(settled, 'heapUsed');
  const external = trendOfField(settled, 'external');
  const rss = trendOfField(settled, 'rss');
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
    // Snapshots themselves make the target's allocator grow, and it rarely gives pages back:
    // rss alone is a lead, not evidence.
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
