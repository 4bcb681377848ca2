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

/** An analysis weighed with the memory readings taken around it (when there are any). */
export function findingsFrom(base: Omit<Findings, 'verdict' | 'verdictReason' | 'notes'>): Findings {
  if (base.samples.length < 2) return { ...base, verdict: base.report.verdict, verdictReason: base.report.verdictReason, notes: [] };
  const { verdict, reason, notes } = runVerdict(base.report, memoryFindings(base.samples, base.timesMs?.[0] ?? 0));
  return { ...base, verdict, verdictReason: reason, notes };
}
