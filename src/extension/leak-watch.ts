import * as vscode from 'vscode';
import { errorMessage } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import { gcPeriodMs, LeakWatch } from '../live/leak-watch.ts';
import { leakAlertText } from '../present/suspects.ts';
import { formatPerMinute } from '../present/units.ts';
import { CaptureCommands } from './capture.ts';
import { Command, ContextKey } from './ids.ts';
import { notificationText } from './model/markdown.ts';
import { suspectId } from './model/suspect-items.ts';
import { Processes } from './processes.ts';
import { readSettings, Settings, WATCH_ENABLED } from './settings.ts';
import { WatchedProcess } from './watched-process.ts';

interface Watched {
  watch: LeakWatch;
  timer: NodeJS.Timeout;
  busy: boolean;
  /** The suspect already announced: a notification per new leak, not per snapshot. */
  alerted: string | null;
}

/**
 * The leak watch, on or off for every watched process: a full GC now and then for post-GC
 * readings, a snapshot when the rule (watch-policy.ts) says memory keeps climbing, and a
 * notification once the snapshots show a leak. A switch in the Snapshots view and the status bar.
 */
export class LeakWatchService implements vscode.Disposable {
  private readonly watched = new Map<WatchedProcess, Watched>();
  private readonly item = vscode.window.createStatusBarItem('leakscope.leakWatch', vscode.StatusBarAlignment.Left, 9);
  private readonly subscriptions: vscode.Disposable[];
  private settings: Settings['watch'] = readSettings().watch;

  constructor(
    private readonly processes: Processes,
    private readonly capture: CaptureCommands,
    private readonly logger: Logger,
  ) {
    this.item.name = 'Leakscope Leak Watch';
    this.subscriptions = [
      processes.onDidChange(() => this.sync()),
      processes.onDidEnd((process) => this.unwatch(process)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!event.affectsConfiguration('leakscope.watch')) return;
        // A new rule applies from now on: each process starts over with it.
        for (const process of [...this.watched.keys()]) this.unwatch(process);
        this.settings = readSettings().watch;
        this.sync();
      }),
    ];
    this.sync();
  }

  /** Turns the watch on or off, for this workspace when one is open. */
  async set(enabled: boolean): Promise<void> {
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration('leakscope').update(WATCH_ENABLED, enabled, target);
  }

  private sync(): void {
    const live = this.processes.list().filter((p) => p.endedBecause === null);
    if (this.settings.enabled) {
      for (const process of live) if (!this.watched.has(process)) this.watch(process);
    } else {
      for (const process of [...this.watched.keys()]) this.unwatch(process);
    }
    void vscode.commands.executeCommand('setContext', ContextKey.leakWatch, this.settings.enabled);
    this.showItem(live.length > 0);
  }

  private showItem(anyWatched: boolean): void {
    if (!anyWatched) return void this.item.hide();
    const { enabled, rule } = this.settings;
    this.item.text = enabled ? '$(eye) Leak watch' : '$(eye-closed) Leak watch';
    this.item.command = enabled ? Command.stopLeakWatch : Command.startLeakWatch;
    this.item.tooltip = enabled
      ? `Leakscope's leak watch is on: a snapshot when post-GC memory climbs ${formatPerMinute(rule.growthBytesPerSec)} for ${Math.round(rule.windowMs / 1000)} s, or the heap passes ${Math.round(rule.heapLimitShare * 100)}% of its limit.\nClick to stop it.`
      : "Leakscope's leak watch is off: snapshots only when you capture one.\nClick to start it.";
    this.item.show();
  }

  private watch(process: WatchedProcess): void {
    const period = gcPeriodMs(this.settings.rule);
    process.target.memory.setGcEvery(period);
    const timer = setInterval(() => void this.tick(process), period);
    this.watched.set(process, { watch: new LeakWatch(process, this.settings.rule, this.logger), timer, busy: false, alerted: null });
    this.logger.info(`the leak watch follows ${process.name}: a full GC every ${period / 1000} s`);
  }

  private unwatch(process: WatchedProcess): void {
    const entry = this.watched.get(process);
    if (!entry) return;
    clearInterval(entry.timer);
    this.watched.delete(process);
    // The program is left alone again: no more forced collections.
    process.target.memory.setGcEvery(0);
  }

  private async tick(process: WatchedProcess): Promise<void> {
    const entry = this.watched.get(process);
    if (!entry || entry.busy) return;
    entry.busy = true;
    try {
      const decision = await entry.watch.check();
      if (!decision.capture || this.watched.get(process) !== entry) return;
      const findings = await this.capture.captureForWatch(process, decision.reason, this.settings.keep);
      const top = findings?.report.verdict === 'leak' ? findings.report.suspects[0] : undefined;
      if (!findings || !top || entry.alerted === top.title) return;
      entry.alerted = top.title;
      // The title quotes the heap (a key, a class name): shown as text, never as a link.
      const message = notificationText(`Leakscope, ${process.name}: ${leakAlertText(top, findings.timesMs ?? [])}`);
      const id = suspectId(findings, 0);
      void vscode.window.showWarningMessage(message, 'Show').then((choice) => choice && vscode.commands.executeCommand(Command.revealSuspect, id));
    } catch (error) {
      this.logger.error(`the leak watch of ${process.name} failed: ${errorMessage(error)}`, error);
    } finally {
      entry.busy = false;
    }
  }

  dispose(): void {
    for (const process of [...this.watched.keys()]) this.unwatch(process);
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
