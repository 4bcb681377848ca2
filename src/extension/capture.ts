import { join } from 'node:path';
import * as vscode from 'vscode';
import { errorKind } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import { snapshotShortfallNow } from '../inspector/headroom.ts';
import { snapshotFileName } from '../inspector/snapshot-folder.ts';
import { AnalysisService } from './analysis-service.ts';
import { showFailure } from './failures.ts';
import { MemoryPanel } from './memory-panel.ts';
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
    const file = join(await this.store.folder(), snapshotFileName(process.name, new Date(), process.snapshots.length + 1));
    // The worker reads the snapshot as V8 sends it: when the capture ends, its graph is being built.
    const stream = this.analysis.openStream();
    let captured;
    try {
      captured = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Leakscope: capturing a heap snapshot of ${process.name}`, cancellable: true },
        async (progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          let shown = 0;
          return process.target.capture(file, {
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
      stream.abort();
      if (errorKind(error) !== 'cancelled' && (await endsSoon(process))) {
        this.logger.warn(`the heap snapshot of ${process.name} ended with it`, error);
        void vscode.window.showErrorMessage(`Leakscope: ${process.endedBecause} during the heap snapshot; nothing was saved.`);
      } else showFailure(this.logger, 'the heap snapshot', error);
      return;
    }
    // A stream the worker could not read is only logged: the analysis below then reads the
    // file itself, and says what is wrong with it.
    void stream.end(captured.file).catch((error: unknown) => this.logger.warn(`the analysis could not read ${captured.file} as it was captured`, error));
    const entry = process.addSnapshot(captured);
    this.processes.touch(process);
    this.panel.addMarker({ timeMs: entry.timeMs, label: `#${process.snapshots.length}` });
    if (captured.idsRestarted) {
      void vscode.window.showWarningMessage(
        'Leakscope: something disabled the HeapProfiler since the last snapshot (a profile taken with the JavaScript debugger does), so V8 restarted its object ids. ' +
          'Leakscope turned it back on; growth is measured again from this snapshot.',
      );
    }
    await this.analyzeSeries(process);
  }

  /** Analyses the process's comparable snapshots and charts its top suspects. */
  async analyzeSeries(process: WatchedProcess): Promise<void> {
    const series = process.series();
    if (!series.length) return;
    const findings = await this.analysis.analyze({
      title: process.name,
      files: series.map((s) => s.file),
      timesMs: series.map((s) => s.timeMs),
      samples: process.target.memory.samples,
      sites: process.target.allocationSites(50).map((site) => process.maps.resolve(site)),
    });
    if (!findings) return;
    this.panel.setSuspects(
      findings.timesMs ?? [],
      findings.report.suspects.slice(0, CHARTED_SUSPECTS).map((s) => ({ title: s.title, bytes: s.series.map((p) => p?.retainedBytes ?? null) })),
    );
  }

  async dumpAsync(): Promise<void> {
    const process = this.processes.active();
    if (!process) return void vscode.window.showWarningMessage(NOTHING_WATCHED);
    try {
      process.dumps.push(await process.target.dumpAsync());
      this.processes.touch(process);
      await vscode.commands.executeCommand('leakscope.asyncResources.focus');
    } catch (error) {
      showFailure(this.logger, 'listing async resources', error);
    }
  }
}
