import type { AllocationSite, MemorySample } from '../analysis/report.ts';
import { errorMessage } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import { AllocationSampler } from './allocation-sampler.ts';
import { AsyncDump, dumpAsyncResources, installTracker, uninstallTracker } from './async-tracker.ts';
import { CaptureOptions, HeapSnapshotter } from './capture.ts';
import { MemorySampler } from './memory-sampler.ts';
import { InspectorSession } from './session.ts';

export type AllocationMode = 'alloc' | 'inuse';

export interface LiveTargetOptions {
  pollIntervalMs: number;
  /** Force a full GC every so often for a post-GC reading (0 or absent: never, the program is left alone). */
  gcEveryMs?: number;
  /** Run V8's sampling heap profiler; null: off. The interval in bytes, or 0 to fit the allocation rate. */
  samplingIntervalBytes: number | null;
  /**
   * How to sample after `captures` snapshots (0: from the start): counting everything
   * allocated, only what is kept, or not at all. Default: alternate, so both stay current.
   */
  allocationMode?: (captures: number) => AllocationMode | null;
  /** Install the async-resource tracker (unless a preload already did). */
  asyncTracking: boolean;
  /** Whether that tracker follows promises too (default: yes). */
  trackPromises?: boolean;
  /**
   * Record the allocation stack of every object from now on, so that snapshots carry it
   * (`trace_node_id`). It slows an allocating program down several times over. 'since-launch':
   * the process was started with `--track-heap-objects` and already records (since start-up,
   * and without the inspector's forced GC every 50 ms); starting again would drop that record.
   */
  trackAllocations?: boolean | 'since-launch';
  onSample?: (sample: MemorySample) => void;
  logger: Logger;
}

/** The parts of a watch that can turn themselves off, each said once. */
export type Feature = 'allocation tracking' | 'allocation sampling' | 'async-resource tracking';

const CONSEQUENCE: Record<Feature, string> = {
  'allocation tracking': 'the snapshots have no allocation stacks',
  'allocation sampling': 'no allocation rates by function',
  'async-resource tracking': 'async resources are counted by type only, without where they were created',
};

const alternate = (captures: number): AllocationMode => (captures % 2 === 0 ? 'alloc' : 'inuse');

export interface CapturedSnapshot {
  file: string;
  /** On the memory samples' clock. */
  timeMs: number;
  /** Snapshots of one epoch share V8's object ids; a new epoch starts when something reset them. */
  epoch: number;
  /** This capture found the ids reset since the previous one (another tool disabled the HeapProfiler). */
  idsRestarted: boolean;
}

export interface TimedAsyncDump extends AsyncDump {
  timeMs: number;
}

const PROBE_GROUP = 'leakscope-probe';

/**
 * One Node process watched while it runs (a debug session's, or one started with --inspect):
 * its memory over time, heap snapshots on demand, async-resource dumps, allocation sampling.
 * The connection may be shared with a debugger that can reset the HeapProfiler under us;
 * every capture checks for that first.
 */
export class LiveTarget {
  readonly memory: MemorySampler;
  private readonly snapshotter: HeapSnapshotter;
  private readonly allocations: AllocationSampler | null;
  private probeId: string | null = null;
  private epoch = 0;
  private captures = 0;
  private readonly failed = new Map<Feature, string>();

  constructor(
    readonly session: InspectorSession,
    private readonly options: LiveTargetOptions,
  ) {
    this.memory = new MemorySampler(session, { intervalMs: options.pollIntervalMs, gcEveryMs: options.gcEveryMs, onSample: options.onSample, logger: options.logger });
    this.snapshotter = new HeapSnapshotter(session);
    const interval = options.samplingIntervalBytes;
    this.allocations = interval === null ? null : new AllocationSampler(session, interval > 0 ? interval : null);
  }

  /** Milliseconds on the samples' clock. */
  now(): number {
    return this.memory.elapsedMs();
  }

  /** What asked for turned itself off, one sentence each with what the user loses: for a report note or a tree row. */
  get notes(): string[] {
    return [...this.failed].map(([feature, reason]) => `${feature} is off (${reason}): ${CONSEQUENCE[feature]}`);
  }

  /** `feature` failed: logged, and said once in `notes`. */
  private turnedOff(feature: Feature, error: unknown): void {
    this.options.logger.warn(`${feature} failed`, error);
    if (!this.failed.has(feature)) this.failed.set(feature, errorMessage(error));
  }

  /** A failure on the way out: a program that is gone took it with it; anything else is logged. */
  private leftBehind(what: string, error: unknown): void {
    if (!this.session.isClosed) this.options.logger.warn(`could not ${what}`, error);
  }

  async start(): Promise<void> {
    this.memory.start();
    await this.session.send('HeapProfiler.enable');
    if (this.options.trackAllocations === true) await this.trackAllocations();
    if (this.options.asyncTracking) {
      await installTracker(this.session, { promises: this.options.trackPromises ?? true }).catch((error: unknown) => this.turnedOff('async-resource tracking', error));
    }
    await this.sampleAllocations();
  }

  /**
   * Tracking stops with `HeapProfiler.disable` (on detach, or by another tool); never with
   * `stopTrackingHeapObjects`, which makes V8 take and send a whole heap snapshot.
   */
  private async trackAllocations(): Promise<void> {
    try {
      await this.session.send('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
      this.failed.delete('allocation tracking');
    } catch (error) {
      this.turnedOff('allocation tracking', error);
    }
  }

  private async sampleAllocations(): Promise<void> {
    const mode = (this.options.allocationMode ?? alternate)(this.captures);
    if (mode) await this.allocations?.start(mode).catch((error: unknown) => this.turnedOff('allocation sampling', error));
  }

  /** Takes a heap snapshot; the allocation sampler's window ends, and the next one starts after it. */
  async capture(file: string, options: CaptureOptions = {}): Promise<CapturedSnapshot> {
    const idsRestarted = await this.recoverFromReset();
    await this.allocations?.stop().catch((error: unknown) => this.turnedOff('allocation sampling', error));
    const path = await this.memory.duringCapture(() => this.snapshotter.capture(file, options));
    const timeMs = this.now();
    this.captures++;
    // V8 follows objects as the GC moves them only once it has taken a snapshot: read the probe after.
    this.probeId = await this.objectIdProbe().catch((error: unknown) => {
      this.options.logger.warn('could not read the global object\'s id: a reset of V8\'s ids will go unnoticed until the next snapshot', error);
      return null;
    });
    // A post-GC reading after every capture, when the sampler may collect: not at once, as a
    // big heap's GC would take a core from the analysis of the snapshot just taken.
    this.memory.collectSoon();
    await this.sampleAllocations();
    return { file: path, timeMs, epoch: this.epoch, idsRestarted };
  }

  async dumpAsync(): Promise<TimedAsyncDump> {
    const dump = await dumpAsyncResources(this.session);
    return { ...dump, timeMs: this.now() };
  }

  allocationSites(limit: number): AllocationSite[] {
    return this.allocations?.sites(limit) ?? [];
  }

  /**
   * Node keeps object ids only while the HeapProfiler stays enabled; a debugger's own
   * profile command disables it, which also stops our sampling. An object's id changing
   * tells; then enable it again and start a new epoch of comparable snapshots.
   */
  private async recoverFromReset(): Promise<boolean> {
    if (this.probeId === null) return false;
    const id = await this.objectIdProbe().catch((error: unknown) => {
      this.options.logger.warn('could not read the global object\'s id to check for a reset of V8\'s ids', error);
      return null;
    });
    if (id === null || id === this.probeId) return false;
    await this.session.send('HeapProfiler.enable');
    // Disabling stopped allocation tracking too, even one started at launch.
    if (this.options.trackAllocations) await this.trackAllocations();
    this.epoch++;
    this.allocations?.forget();
    return true;
  }

  /** The heap object id of the global object: stable for as long as V8 keeps its ids. */
  private async objectIdProbe(): Promise<string> {
    const { result } = await this.session.send('Runtime.evaluate', { expression: 'globalThis', objectGroup: PROBE_GROUP, silent: true });
    try {
      const { heapSnapshotObjectId } = await this.session.send('HeapProfiler.getHeapObjectId', { objectId: result.objectId! });
      return heapSnapshotObjectId;
    } finally {
      await this.session.send('Runtime.releaseObjectGroup', { objectGroup: PROBE_GROUP }).catch((error: unknown) => this.leftBehind('release the probe of the global object', error));
    }
  }

  /** Stops sampling; allocation sites stay readable. */
  async stop(): Promise<void> {
    this.memory.stop();
    if (!this.session.isClosed) await this.allocations?.stop().catch((error: unknown) => this.leftBehind('stop allocation sampling', error));
  }

  /**
   * Stops watching; with `detach`, also takes out of the process everything we put in, so
   * it runs on as before: no tracker, no profiler, no runtime events. Allocation tracking
   * stops either way: left on, it would keep the program several times slower.
   */
  async dispose(detach: boolean): Promise<void> {
    await this.stop();
    if (!this.session.isClosed) {
      if (detach) await uninstallTracker(this.session).catch((error: unknown) => this.leftBehind('take the async-resource tracker out of the program', error));
      if (detach || this.options.trackAllocations) await this.session.send('HeapProfiler.disable').catch((error: unknown) => this.leftBehind('disable the HeapProfiler', error));
      if (detach) await this.session.send('Runtime.disable').catch((error: unknown) => this.leftBehind('disable the Runtime domain', error));
    }
    await this.session.close();
  }
}
