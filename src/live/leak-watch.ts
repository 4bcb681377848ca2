// The watch's rule applied to one live process, the same in the CLI and the extension: how
// often it looks, and whether a snapshot is due now.
import { decide, WatchDecision, WatchRule } from '../analysis/watch-policy.ts';
import type { Logger } from '../common/logger.ts';
import { readHeapLimit } from '../inspector/headroom.ts';
import type { LiveSession } from './live-session.ts';

/**
 * A full GC (a post-GC reading) this often: ten readings per window at least, so the trend
 * has points, and no more than one a second nor fewer than one in 30 s.
 */
export function gcPeriodMs(rule: WatchRule): number {
  return Math.min(30_000, Math.max(1000, rule.windowMs / 10));
}

export class LeakWatch {
  private lastCaptureMs: number | null = null;
  /** Read once: a process's heap limit does not change while it runs. */
  private readonly heapLimit: Promise<number | null>;

  constructor(
    private readonly live: LiveSession,
    readonly rule: WatchRule,
    logger: Logger,
  ) {
    this.heapLimit = readHeapLimit(live.target.session).catch((error: unknown) => {
      logger.warn(`could not read the heap limit of ${live.name}: only growth starts snapshots`, error);
      return null;
    });
  }

  /** Whether to take a snapshot now; a yes counts as taken (the rule's spacing starts from it). */
  async check(): Promise<WatchDecision> {
    const now = this.live.target.now();
    const decision = decide(this.live.target.memory.samples, now, this.lastCaptureMs, await this.heapLimit, this.rule);
    if (decision.capture) this.lastCaptureMs = now;
    return decision;
  }
}
