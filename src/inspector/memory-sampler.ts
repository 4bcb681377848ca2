import { Readings } from '../analysis/readings.ts';
import type { MemorySample } from '../analysis/report.ts';
import type { Logger } from '../common/logger.ts';
import { DisconnectedError, InspectorSession } from './session.ts';

export interface SamplerOptions {
  intervalMs: number;
  /** Force a full GC every so often to get a post-GC point (0: never). */
  gcEveryMs?: number;
  onSample?: (sample: MemorySample) => void;
  logger: Logger;
}

/**
 * How long after a capture readings are still marked as the capture's. The jump itself stays
 * (the allocator keeps the pages), but rss still moves a little right after: measured on Node
 * 20, +3 MB over the first second after a 300 MB heap's capture had added 2 GB, then flat.
 */
export const CAPTURE_SETTLE_MS = 1000;

const READ_MEMORY = 'JSON.stringify(process.memoryUsage())';

/** Polls the target's memory over the inspector, on a timer that never keeps the host alive. */
export class MemorySampler {
  /** Every reading, in bounded memory however long the watch (older ones downsampled). */
  readonly readings = new Readings();
  private timer: NodeJS.Timeout | null = null;
  private readonly started = Date.now();
  private lastGc = Date.now();
  private inFlight = false;
  /** Captures under way, and until when (on the samples' clock) the last one's readings are marked. */
  private capturing = 0;
  private settledAtMs = 0;
  private gcEveryMs: number;
  private holds = 0;
  private gcDue = false;

  constructor(
    private readonly session: InspectorSession,
    private readonly options: SamplerOptions,
  ) {
    this.gcEveryMs = options.gcEveryMs ?? 0;
  }

  /** The next reading collects garbage first, whatever the period, once nothing holds GCs back. */
  collectSoon(): void {
    this.gcDue = true;
  }

  /**
   * Holds back full GCs of the program until the returned function is called (while a
   * capture is analysed, which a GC would take a core from): readings due meanwhile go
   * without one, and the post-GC reading waits.
   */
  holdGc(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (!released) this.holds--;
      released = true;
    };
  }

  /** A full GC this often from now on, for post-GC readings (0: never, the program is left alone). */
  setGcEvery(ms: number): void {
    this.gcEveryMs = ms;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
    void this.tick();
  }

  /** Milliseconds since sampling started: the clock of every sample. */
  elapsedMs(): number {
    return Date.now() - this.started;
  }

  /** The whole watch, oldest first: see `Readings` for what is kept of older readings. */
  get samples(): MemorySample[] {
    return this.readings.toArray();
  }

  /** Runs a capture; the readings taken while it runs, and for a moment after, are marked as its. */
  async duringCapture<T>(capture: () => Promise<T>): Promise<T> {
    this.capturing++;
    try {
      return await capture();
    } finally {
      this.capturing--;
      this.settledAtMs = this.elapsedMs() + CAPTURE_SETTLE_MS;
    }
  }

  private aroundCapture(): boolean {
    return this.capturing > 0 || this.elapsedMs() < this.settledAtMs;
  }

  /** Reading on its timer: between start() and stop(). */
  get running(): boolean {
    return this.timer !== null;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reads memory now; with `afterGc`, after collecting garbage in the target first. */
  async sample(afterGc = false): Promise<MemorySample | null> {
    if (this.session.isClosed) return null;
    const askedAroundCapture = this.aroundCapture();
    try {
      if (afterGc) await this.session.send('HeapProfiler.collectGarbage');
      const { result } = await this.session.send('Runtime.evaluate', { expression: READ_MEMORY, returnByValue: true, silent: true });
      const usage = JSON.parse(String(result.value)) as Omit<MemorySample, 'timeMs' | 'afterGc'>;
      const sample: MemorySample = {
        timeMs: this.elapsedMs(),
        heapUsed: usage.heapUsed,
        heapTotal: usage.heapTotal,
        rss: usage.rss,
        external: usage.external,
        arrayBuffers: usage.arrayBuffers,
        afterGc,
      };
      // Judged when asked and when answered: V8 writing a snapshot holds the program's thread,
      // so a reading asked for just before a capture is answered after it; and the reading
      // right after a capture may take longer than the settling time (a GC of a big heap).
      if (askedAroundCapture || this.aroundCapture()) sample.capture = true;
      this.readings.push(sample);
      this.options.onSample?.(sample);
      return sample;
    } catch (error) {
      // The target going away between two readings simply ends the series; anything else
      // loses one reading, and is logged.
      if (!(error instanceof DisconnectedError) && !this.session.isClosed) this.options.logger.warn('a memory reading failed', error);
      return null;
    }
  }

  private async tick(): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = true;
    try {
      // Never during a capture (a GC asked for then would hold up its end), nor while
      // something holds GCs back.
      const due = this.gcDue || (this.gcEveryMs > 0 && Date.now() - this.lastGc >= this.gcEveryMs);
      const gc = due && this.capturing === 0 && this.holds === 0;
      if (gc) {
        this.lastGc = Date.now();
        this.gcDue = false;
      }
      await this.sample(gc);
    } finally {
      this.inFlight = false;
    }
  }
}
