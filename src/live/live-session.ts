// One Node process watched while it runs, the same for the CLI's run, attach and watch and
// for the extension's debug sessions and attached processes: its readings (in the target's
// sampler), the snapshots taken of it, its async dumps, and whether it is still watched.
import { statSync } from 'node:fs';
import { SourceMaps } from '../analysis/source-maps.ts';
import type { Logger } from '../common/logger.ts';
import type { CaptureOptions } from '../inspector/capture.ts';
import type { CapturedSnapshot, LiveTarget, TimedAsyncDump } from '../inspector/live-target.ts';

export interface SnapshotEntry extends CapturedSnapshot {
  bytes: number;
  takenAt: Date;
  /** Taken by the watch's rule, not asked for: the disk budget may delete it. */
  auto: boolean;
  /** Its place among the process's snapshots in the order taken, from 1: kept when earlier ones go. */
  seq: number;
}

/**
 * The watch's snapshots beyond its disk budget: it keeps the first of them (the baseline) and
 * the newest, `keep` in all; the oldest after the baseline go first. Snapshots asked for are
 * never counted or dropped.
 */
export function overBudget<T extends Pick<SnapshotEntry, 'auto'>>(snapshots: readonly T[], keep: number): T[] {
  const auto = snapshots.filter((s) => s.auto);
  return auto.slice(1, Math.max(1, auto.length - Math.max(1, keep - 1)));
}

export class LiveSession {
  readonly snapshots: SnapshotEntry[] = [];
  readonly dumps: TimedAsyncDump[] = [];
  /** Its code's source maps: read once, as the code cannot change while it runs (a rebuild is a new process). */
  readonly maps: SourceMaps;
  /** Why it is no longer watched; null while it is. */
  endedBecause: string | null = null;
  private taken = 0;

  constructor(
    readonly key: string,
    readonly name: string,
    readonly target: LiveTarget,
    protected readonly logger: Logger,
  ) {
    this.maps = new SourceMaps(logger);
  }

  /**
   * Starts watching, all or nothing: a start that fails part-way leaves no timer running and
   * the connection closed, and rethrows.
   */
  async start(): Promise<void> {
    try {
      await this.target.start();
    } catch (error) {
      this.endedBecause = 'it could not be watched';
      await this.target.dispose(false).catch((closing: unknown) => this.logger.warn(`could not let go of ${this.name} after a failed start`, closing));
      throw error;
    }
  }

  /** Takes a heap snapshot into `file` and lists it. */
  async capture(file: string, options: CaptureOptions & { auto?: boolean } = {}): Promise<SnapshotEntry> {
    const captured = await this.target.capture(file, options);
    const entry = { ...captured, bytes: statSync(captured.file).size, takenAt: new Date(), auto: options.auto ?? false, seq: ++this.taken };
    this.snapshots.push(entry);
    return entry;
  }

  /** The `seq` the next snapshot will have. */
  get nextSeq(): number {
    return this.taken + 1;
  }

  async dumpAsync(): Promise<TimedAsyncDump> {
    const dump = await this.target.dumpAsync();
    this.dumps.push(dump);
    return dump;
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

  overBudget(keep: number): SnapshotEntry[] {
    return overBudget(this.snapshots, keep);
  }

  /** Stops watching; with `detach`, takes out of the process all we put in. False when it had already ended. */
  async end(reason: string, detach: boolean): Promise<boolean> {
    if (this.endedBecause !== null) return false;
    this.endedBecause = reason;
    await this.target.dispose(detach).catch((error: unknown) => this.logger.warn(`could not let go of ${this.name} cleanly`, error));
    return true;
  }
}
