import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { errorKind, LeakscopeError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import { snapshotShortfallNow } from '../inspector/headroom.ts';
import { snapshotFileName } from '../inspector/snapshot-folder.ts';
import { snapshotLabel } from '../present/snapshots.ts';
import { AnalysisService } from './analysis-service.ts';
import { showFailure } from './failures.ts';
import { MemoryPanel } from './memory-panel.ts';
import type { Findings } from './model/findings.ts';
import { Processes } from './processes.ts';
import { SnapshotStore } from './snapshot-store.ts';
import { WatchedProcess } from './watched-process.ts';

const NOTHING_WATCHED = 'Leakscope: no Node program is being watched. Start debugging one (F5), or run "Leakscope: Attach to Node Inspector…".';
/** Suspects drawn in the panel's second chart. */
const CHARTED_SUSPECTS = 5;

/** Asks first when a snapshot would not fit in the memory the program can still get (see headroom.ts). */
async function enoughMemory(process: WatchedProcess): Promise<boolean> {
  const shortfall = await snapshotShortfallNow(process.target.session, process.name);
  if (!shortfall) return true;
  const go = await vscode.window.showWarningMessage(`Leakscope: ${shortfall}`, { modal: true }, 'Capture Anyway');
  return go === 'Capture Anyway';
}

/** How long a failed capture waits to learn whether the session was ending. */
const END_GRACE_MS = 3000;

/**
 * Whether the process stopped being watched, now or within a moment. When a debug session
 * stops, js-debug first answers the pending snapshot request with "Connection is closed";
 * the disconnect and the session's end arrive just after that failure.
 */
async function endsSoon(process: WatchedProcess): Promise<boolean> {
  for (const deadline = Date.now() + END_GRACE_MS; process.endedBecause === null && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.endedBecause !== null;
}

/** How a capture was asked for: by the user (asks before a capture that may not fit, cancellable), or by the leak watch. */
type Asker = { auto: false } | { auto: true; keep: number };

export class CaptureCommands {
  constructor(
    private readonly processes: Processes,
    private readonly store: SnapshotStore,
    private readonly analysis: AnalysisService,
    private readonly panel: MemoryPanel,
    private readonly logger: Logger,
  ) {}

  async capture(): Promise<void> {
    const process = this.processes.active();
    if (!process) return void vscode.window.showWarningMessage(NOTHING_WATCHED);
    if (!(await enoughMemory(process))) return;
    if (await this.take(process, { auto: false })) await this.analyzeSeries(process);
  }

  /**
   * A snapshot a language-model tool asked for, the user having confirmed it: one that would
   * not fit in the program's memory is refused with the reason. The findings with it.
   */
  async captureForTool(process: WatchedProcess): Promise<Findings> {
    const shortfall = await snapshotShortfallNow(process.target.session, process.name);
    if (shortfall) throw new LeakscopeError('input', `${shortfall} (the debug toolbar's camera takes it anyway, after asking)`);
    if (!(await this.take(process, { auto: false }))) throw new LeakscopeError('input', `the heap snapshot of ${process.name} failed; the notification says why`);
    const findings = await this.analyzeSeries(process);
    if (!findings) throw new LeakscopeError('input', `the snapshots of ${process.name} could not be analysed; the notification says why`);
    return findings;
  }

  /**
   * A snapshot the leak watch decided on (`reason`): no question asked; one that would not fit
   * in the program's memory is skipped, and logged. Snapshots beyond the watch's disk budget
   * (`keep`) are deleted. The findings with it, or null when there was no snapshot.
   */
  async captureForWatch(process: WatchedProcess, reason: string, keep: number): Promise<Findings | null> {
    const shortfall = await snapshotShortfallNow(process.target.session, process.name);
    if (shortfall) {
      this.logger.warn(`the leak watch skipped a snapshot of ${process.name} (${reason}): ${shortfall}`);
      return null;
    }
    this.logger.info(`the leak watch takes a snapshot of ${process.name}: ${reason}`);
    if (!(await this.take(process, { auto: true, keep }))) return null;
    return this.analyzeSeries(process, true);
  }

  /** Captures a snapshot of `process`, streamed to the worker, and lists it; false when it failed (the user was told). */
  private async take(process: WatchedProcess, asker: Asker): Promise<boolean> {
    const file = join(await this.store.folder(), snapshotFileName(process.name, new Date(), process.nextSeq));
    // The worker reads the snapshot as V8 sends it: when the capture ends, its graph is being built.
    const stream = this.analysis.openStream(file);
    // No GC of ours in the program until the worker has read the snapshot: both want the cores.
    const release = process.target.memory.holdGc();
    const title = asker.auto ? `Leakscope: snapshot of ${process.name} (the leak watch)` : `Leakscope: capturing a heap snapshot of ${process.name}`;
    let entry;
    try {
      entry = await vscode.window.withProgress(
        { location: asker.auto ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification, title, cancellable: !asker.auto },
        async (progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          let shown = 0;
          return process.capture(file, {
            auto: asker.auto,
            signal: abort.signal,
            onChunk: (bytes) => stream.write(bytes),
            onProgress: (done, total) => {
              const percent = Math.floor((done / Math.max(1, total)) * 100);
              progress.report({ message: `${percent}%`, increment: Math.max(0, percent - shown) });
              shown = Math.max(shown, percent);
            },
          });
        },
      );
    } catch (error) {
      release();
      stream.abort();
      if (errorKind(error) !== 'cancelled' && (await endsSoon(process))) {
        this.logger.warn(`the heap snapshot of ${process.name} ended with it`, error);
        void vscode.window.showErrorMessage(`Leakscope: ${process.endedBecause} during the heap snapshot; nothing was saved.`);
      } else showFailure(this.logger, 'the heap snapshot', error);
      return false;
    }
    // A stream the worker could not read is only logged: the analysis then reads the file
    // itself, and says what is wrong with it.
    void stream
      .end()
      .catch((error: unknown) => this.logger.warn(`the analysis could not read ${entry.file} as it was captured`, error))
      .finally(release);
    if (asker.auto) this.dropOverBudget(process, asker.keep);
    this.processes.touch(process);
    this.panel.addMarker({ timeMs: entry.timeMs, label: snapshotLabel(entry.seq) });
    if (entry.idsRestarted) {
      void vscode.window.showWarningMessage(
        'Leakscope: something disabled the HeapProfiler since the last snapshot (a profile taken with the JavaScript debugger does), so V8 restarted its object ids. ' +
          'Leakscope turned it back on; growth is measured again from this snapshot.',
      );
    }
    return true;
  }

  /** The leak watch's disk budget: its first snapshot and its newest, `keep` in all. */
  private dropOverBudget(process: WatchedProcess, keep: number): void {
    for (const dropped of process.overBudget(keep)) {
      process.removeSnapshot(dropped.file);
      rmSync(dropped.file, { force: true });
      this.logger.info(`the leak watch deleted ${dropped.file}: it keeps its first snapshot and its newest, ${keep} in all`);
    }
  }

  /** Analyses the process's comparable snapshots and charts its top suspects; `quiet`: progress in the status bar only. */
  async analyzeSeries(process: WatchedProcess, quiet = false): Promise<Findings | null> {
    const series = process.series();
    if (!series.length) return null;
    const findings = await this.analysis.analyze(
      {
        title: process.name,
        files: series.map((s) => s.file),
        timesMs: series.map((s) => s.timeMs),
        samples: process.target.memory.samples,
        sites: process.target.allocationSites(50).map((site) => process.maps.resolve(site)),
      },
      quiet,
    );
    if (!findings) return null;
    this.panel.setSuspects(
      findings.timesMs ?? [],
      findings.report.suspects.slice(0, CHARTED_SUSPECTS).map((s) => ({ title: s.title, bytes: s.series.map((p) => p?.retainedBytes ?? null) })),
    );
    return findings;
  }

  async dumpAsync(): Promise<void> {
    const process = this.processes.active();
    if (!process) return void vscode.window.showWarningMessage(NOTHING_WATCHED);
    try {
      await process.dumpAsync();
      this.processes.touch(process);
      await vscode.commands.executeCommand('leakscope.asyncResources.focus');
    } catch (error) {
      showFailure(this.logger, 'listing async resources', error);
    }
  }
}
