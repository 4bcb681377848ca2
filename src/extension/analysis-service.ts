import { basename } from 'node:path';
import * as vscode from 'vscode';
import { AnalysisClient, SnapshotStream } from '../analysis/client.ts';
import type { AllocationSite, MemorySample, ObjectRow } from '../analysis/report.ts';
import type { Logger } from '../common/logger.ts';
import { showFailure } from './failures.ts';
import { readSettings } from './settings.ts';
import { Findings, findingsFrom } from './model/findings.ts';
import type { HeapQueries } from './model/retainer-items.ts';

/** Rows per expanded class or object in Top Retainers. */
const ROWS_PER_LEVEL = 50;

export interface AnalysisInput {
  title: string;
  files: string[];
  timesMs: number[] | null;
  samples: MemorySample[];
  sites: AllocationSite[];
}

/**
 * Runs analyses in the worker (the extension host never parses a snapshot), with progress
 * and cancel, and holds the latest findings that every view shows.
 */
export class AnalysisService implements vscode.Disposable {
  private readonly client: AnalysisClient;
  private latest: Findings | null = null;
  private runs = 0;
  private readonly changed = new vscode.EventEmitter<Findings | null>();
  readonly onDidChange = this.changed.event;
  private readonly configuration: vscode.Disposable;

  constructor(
    workerPath: string,
    private readonly logger: Logger,
  ) {
    this.client = new AnalysisClient({ workerPath, memoryBudgetMb: readSettings().analysisMemoryMb || undefined, logger });
    // The out-of-memory message sends the user to this setting: the next analysis uses it.
    this.configuration = vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('leakscope.analysis.maxMemoryMb')) this.client.setMemoryBudget(readSettings().analysisMemoryMb || undefined);
    });
  }

  get current(): Findings | null {
    return this.latest;
  }

  /** A snapshot's bytes, streamed to the worker while it is captured, so that analysing it reads nothing again. */
  openStream(file: string): SnapshotStream {
    return this.client.openStream(file);
  }

  /**
   * Analyses snapshots of one process, oldest first; null when it failed or was cancelled (the
   * user was told). `quiet`: progress in the status bar, for an analysis the user did not ask for.
   */
  async analyze(input: AnalysisInput, quiet = false): Promise<Findings | null> {
    const n = input.files.length;
    const title = n === 1 ? `Leakscope: analysing ${basename(input.files[0])}` : `Leakscope: comparing ${n} snapshots`;
    const location = quiet ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification;
    try {
      const report = await vscode.window.withProgress({ location, title, cancellable: !quiet }, async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        let shown = 0;
        return this.client.request(
          'analyze',
          { files: input.files, top: 30 },
          {
            signal: abort.signal,
            onProgress: (p) => {
              const done = Math.floor(((p.file + p.fraction) / p.files) * 100);
              progress.report({ message: `${p.phase}${p.files > 1 ? ` (snapshot ${p.file + 1} of ${p.files})` : ''}`, increment: Math.max(0, done - shown) });
              shown = Math.max(shown, done);
            },
          },
        );
      });
      this.latest = findingsFrom({ key: `a${++this.runs}`, ...input, report });
      this.changed.fire(this.latest);
      return this.latest;
    } catch (error) {
      showFailure(this.logger, n === 1 ? `analysing ${basename(input.files[0])}` : `comparing ${input.files.map((f) => basename(f)).join(', ')}`, error);
      return null;
    }
  }

  clear(): void {
    this.latest = null;
    this.changed.fire(null);
  }

  /** Top Retainers' questions, about the newest snapshot of the current findings. */
  readonly queries: HeapQueries = {
    objects: (className) => this.ask((file) => this.client.request('objects', { file, className, limit: ROWS_PER_LEVEL })),
    children: (nodeId) => this.ask((file) => this.client.request('children', { file, nodeId, limit: ROWS_PER_LEVEL })),
  };

  /** A failure rejects: the row being expanded shows it, with its reason. */
  private ask(request: (file: string) => Promise<ObjectRow[]>): Promise<ObjectRow[]> {
    const file = this.latest?.files[this.latest.files.length - 1];
    if (!file) return Promise.resolve([]);
    return request(file).catch((error: unknown) => {
      this.logger.error(`reading ${basename(file)} again failed`, error);
      throw error;
    });
  }

  dispose(): void {
    this.configuration.dispose();
    void this.client.dispose();
    this.changed.dispose();
  }
}
