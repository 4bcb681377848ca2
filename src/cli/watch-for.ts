import type { WatchRule } from '../analysis/watch-policy.ts';
import type { RunOptions } from './run.ts';
import type { WatchForOptions } from './watch.ts';

/** A run's options turned into a watch's: as long as `forMs`, snapshots when `rule` says, `keep` on disk. */
export function watchForOptions(launch: RunOptions, forMs: number, rule: WatchRule, keep: number): RunOptions & WatchForOptions {
  // Post-GC readings often enough to see a trend within the window.
  const gcEveryMs = Math.min(30_000, Math.max(1000, rule.windowMs / 10));
  return { ...launch, durationMs: forMs, snapshots: Infinity, gcEveryMs, forMs, rule, keep };
}
