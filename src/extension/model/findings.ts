import type { AllocationSite, AnalysisReport, MemorySample, Verdict } from '../../analysis/report.ts';
import { memoryFindings, runVerdict } from '../../analysis/verdict.ts';

/**
 * What the Leakscope views show: one analysis of snapshots (of a debug session, or files
 * the user picked), with what was measured around them.
 */
export interface Findings {
  /** Unique per analysis, so rows of an older one are never confused with it. */
  key: string;
  title: string;
  files: string[];
  /** When each snapshot was taken, ms on the session's clock; null for files. */
  timesMs: number[] | null;
  report: AnalysisReport;
  /** The verdict after weighing the memory readings too. */
  verdict: Verdict;
  verdictReason: string;
  sites: AllocationSite[];
  samples: MemorySample[];
  notes: string[];
}

export function verdictLabel(verdict: Verdict): string {
  return verdict === 'leak' ? 'Leak' : verdict === 'no-leak' ? 'No leak' : 'Need another snapshot';
}

/** How long the snapshots span, in words: "in 20 s", "in 3 min". */
export function spanText(timesMs: number[] | null): string {
  if (!timesMs || timesMs.length < 2) return '';
  const seconds = (timesMs[timesMs.length - 1] - timesMs[0]) / 1000;
  return seconds < 120 ? ` in ${Math.round(seconds)} s` : ` in ${Math.round(seconds / 60)} min`;
}

/** An analysis weighed with the memory readings taken around it (when there are any). */
export function findingsFrom(base: Omit<Findings, 'verdict' | 'verdictReason' | 'notes'>): Findings {
  if (base.samples.length < 2) return { ...base, verdict: base.report.verdict, verdictReason: base.report.verdictReason, notes: [] };
  const { verdict, reason, notes } = runVerdict(base.report, memoryFindings(base.samples, base.timesMs?.[0] ?? 0));
  return { ...base, verdict, verdictReason: reason, notes };
}
