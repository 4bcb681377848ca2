import { rmSync } from 'node:fs';
import { AnalysisClient, RequestOptions } from '../analysis/client.ts';
import type { AnalysisReport, SnapshotTiming } from '../analysis/report.ts';
import { errorKind, LeakscopeError } from '../common/errors.ts';
import type { LiveSession, SnapshotEntry } from '../live/live-session.ts';

/**
 * The analysis of a watch, snapshot by snapshot: each one streams to the worker while V8
 * writes it, so its graph is built as soon as the capture ends, and the suspects are
 * brought up to date with it while the watch goes on.
 */
export class LiveAnalysis {
  readonly timings: SnapshotTiming[] = [];
  private readonly files: string[] = [];
  private latest: Promise<AnalysisReport | null> = Promise.resolve(null);
  private onProgress: RequestOptions['onProgress'];

  constructor(
    private readonly client: AnalysisClient,
    private readonly top: number,
    private readonly signal: AbortSignal,
  ) {}

  /**
   * Captures a snapshot, reading it as it arrives; its analysis goes on after this returns.
   * With a disk budget (`keep`), the snapshot counts as the watch's own, and those beyond the
   * budget leave the analysis before it, and the disk once the analyses before read them.
   */
  async capture(live: LiveSession, path: string, keep = Infinity): Promise<SnapshotEntry> {
    const stream = this.client.openStream(path);
    const started = performance.now();
    let captured: SnapshotEntry;
    // No GC of ours in the program until this snapshot is analysed: both want the cores.
    const release = live.target.memory.holdGc();
    try {
      captured = await live.capture(path, { signal: this.signal, onChunk: (bytes) => stream.write(bytes), auto: keep !== Infinity });
    } catch (error) {
      release();
      stream.abort();
      throw error;
    }
    for (const dropped of live.overBudget(keep)) {
      live.removeSnapshot(dropped.file);
      this.forget(dropped.file);
    }
    const ended = performance.now();
    const timing: SnapshotTiming = { captureMs: ended - started, toSuspectsMs: null };
    this.timings.push(timing);
    this.files.push(captured.file);
    const files = [...this.files];
    this.latest = this.latest.then(async () => {
      await stream.end(this.requestOptions());
      const report = await this.analyze(files);
      timing.toSuspectsMs = performance.now() - ended;
      return report;
    });
    // Failures are the report's to say, when it is asked for: not an unhandled rejection now.
    void this.latest.catch(() => {}).finally(release);
    return captured;
  }

  /**
   * A snapshot written without us (V8's own, near the heap limit): analysed with the others,
   * as the `at`th in time.
   * One that can't be read (the program killed while writing it) is left out, and said.
   */
  addWritten(file: string, at: number, onUnreadable: (error: unknown) => void): void {
    const timing: SnapshotTiming = { captureMs: null, toSuspectsMs: null };
    const started = performance.now();
    const files = this.files.toSpliced(at, 0, file);
    this.latest = this.latest.then(async (previous) => {
      try {
        const report = await this.analyze(files);
        this.files.splice(at, 0, file);
        this.timings.splice(at, 0, timing);
        timing.toSuspectsMs = performance.now() - started;
        return report;
      } catch (error) {
        if (errorKind(error) !== 'input') throw error;
        onUnreadable(error);
        return previous;
      }
    });
    this.latest.catch(() => {});
  }

  /** Leaves a snapshot out of the reports from now on, and deletes it once the analyses asked for before have read it. */
  private forget(file: string): void {
    const k = this.files.indexOf(file);
    if (k < 0) return;
    this.files.splice(k, 1);
    this.timings.splice(k, 1);
    // A failed analysis is the report's to say; the file goes either way.
    void this.latest.catch(() => null).then(() => rmSync(file, { force: true }));
  }

  /** The watch took them from one process, in this order: the analysis need not check. */
  private analyze(files: string[]): Promise<AnalysisReport> {
    return this.client.request('analyze', { files, top: this.top, knownOrder: true }, this.requestOptions());
  }

  private requestOptions(): RequestOptions {
    return { signal: this.signal, onProgress: (p) => this.onProgress?.(p) };
  }

  /** The report with every snapshot captured, once the worker has caught up. */
  async report(onProgress: RequestOptions['onProgress']): Promise<AnalysisReport> {
    this.onProgress = onProgress;
    const report = await this.latest;
    if (!report) throw new LeakscopeError('input', 'no snapshot could be analysed');
    return report;
  }
}
