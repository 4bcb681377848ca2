import * as vscode from 'vscode';
import type { MemorySample } from '../analysis/report.ts';
import { ContextKey } from './ids.ts';
import { WatchedProcess } from './watched-process.ts';

/**
 * The processes Leakscope watches, and which one the commands act on: the focused debug
 * session's, else the one watched last.
 */
export class Processes implements vscode.Disposable {
  private readonly all: WatchedProcess[] = [];
  private readonly changed = new vscode.EventEmitter<WatchedProcess | undefined>();
  private readonly sampled = new vscode.EventEmitter<{ process: WatchedProcess; sample: MemorySample }>();
  private readonly ended = new vscode.EventEmitter<WatchedProcess>();
  /** The list, a process's snapshots or dumps, or the active process changed. */
  readonly onDidChange = this.changed.event;
  readonly onDidSample = this.sampled.event;
  readonly onDidEnd = this.ended.event;
  private readonly subscription = vscode.debug.onDidChangeActiveDebugSession(() => this.changedActive());

  list(): readonly WatchedProcess[] {
    return this.all;
  }

  add(process: WatchedProcess): void {
    this.all.push(process);
    this.changedActive();
  }

  /** Something about this process changed (a snapshot, a dump, a snapshot deleted). */
  touch(process: WatchedProcess): void {
    this.releaseEnded();
    this.changed.fire(process);
  }

  /** Ended processes with no snapshot left are let go: a day of debug sessions does not pile up. */
  private releaseEnded(): void {
    for (let k = this.all.length - 1; k >= 0; k--) {
      const p = this.all[k];
      if (p.endedBecause !== null && p.snapshots.length === 0) this.all.splice(k, 1);
    }
  }

  sample(process: WatchedProcess, sample: MemorySample): void {
    this.sampled.fire({ process, sample });
  }

  byDebugSession(id: string): WatchedProcess | undefined {
    return this.all.find((p) => p.debugSessionId === id && p.endedBecause === null);
  }

  /** Stops watching (the session or program ended, or the user asked). Its snapshots stay listed. */
  async end(process: WatchedProcess, reason: string, detach = false): Promise<void> {
    if (!(await process.end(reason, detach))) return;
    this.ended.fire(process);
    this.releaseEnded();
    this.changedActive();
  }

  active(): WatchedProcess | undefined {
    const live = this.all.filter((p) => p.endedBecause === null);
    let session = vscode.debug.activeDebugSession;
    // A launcher session's process belongs to its child; a child's to itself.
    while (session) {
      const id = session.id;
      const owned = live.find((p) => p.debugSessionId === id) ?? live.find((p) => p.parentSessionId === id);
      if (owned) return owned;
      session = session.parentSession;
    }
    return live[live.length - 1];
  }

  private changedActive(): void {
    void vscode.commands.executeCommand('setContext', ContextKey.watching, this.active() !== undefined);
    this.changed.fire(undefined);
  }

  /**
   * Stops watching every process, and takes our tracker and profiler out of those attached by
   * address (a debug session's process ends with its session). Awaited when the window
   * closes, so that nothing of ours stays behind in a process that runs on.
   */
  async endAll(): Promise<void> {
    await Promise.all([...this.all].map((p) => this.end(p, 'the window closed', p.debugSessionId === null)));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
    this.sampled.dispose();
    this.ended.dispose();
  }
}
