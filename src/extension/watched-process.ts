import { statSync } from 'node:fs';
import { SourceMaps } from '../analysis/source-maps.ts';
import type { Logger } from '../common/logger.ts';
import type { CapturedSnapshot, LiveTarget, TimedAsyncDump } from '../inspector/live-target.ts';

export interface SnapshotEntry extends CapturedSnapshot {
  bytes: number;
  takenAt: Date;
}

/**
 * A Node process Leakscope watches: a debug session's, or one attached by address. Holds
 * what was taken from it; the views read it.
 */
export class WatchedProcess {
  readonly snapshots: SnapshotEntry[] = [];
  readonly dumps: TimedAsyncDump[] = [];
  /** Its code's source maps: read once, as the code cannot change while it runs (a rebuild is a new process). */
  readonly maps: SourceMaps;
  /** Why it is no longer watched; null while it is. */
  endedBecause: string | null = null;

  constructor(
    readonly key: string,
    readonly name: string,
    readonly target: LiveTarget,
    logger: Logger,
    /** The debug session that owns the process, if any, and the one that launched it. */
    readonly debugSessionId: string | null,
    readonly parentSessionId: string | null = null,
  ) {
    this.maps = new SourceMaps(logger);
  }

  addSnapshot(captured: CapturedSnapshot): SnapshotEntry {
    const entry = { ...captured, bytes: statSync(captured.file).size, takenAt: new Date() };
    this.snapshots.push(entry);
    return entry;
  }

  removeSnapshot(file: string): void {
    const k = this.snapshots.findIndex((s) => s.file === file);
    if (k >= 0) this.snapshots.splice(k, 1);
  }

  /** The snapshots that can be compared with the newest: same process, same object ids. Oldest first. */
  series(): SnapshotEntry[] {
    const newest = this.snapshots[this.snapshots.length - 1];
    return newest ? this.snapshots.filter((s) => s.epoch === newest.epoch) : [];
  }
}
