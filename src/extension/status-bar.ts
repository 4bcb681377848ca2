import * as vscode from 'vscode';
import { trendOf } from '../analysis/trend.ts';
import { formatBytes, formatPerMinute } from '../present/units.ts';
import { Command } from './ids.ts';
import { Processes } from './processes.ts';

/** Readings the trend is drawn from: the last minute or so at the default polling. */
const TREND_WINDOW = 60;

/** Heap used of the watched process and where it is heading; a click opens the Memory Growth panel. */
export class MemoryStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('leakscope.memory', vscode.StatusBarAlignment.Left, 10);
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly processes: Processes) {
    this.item.name = 'Leakscope Memory';
    this.item.command = Command.showMemory;
    this.subscriptions = [processes.onDidSample(() => this.update()), processes.onDidChange(() => this.update())];
  }

  private update(): void {
    const process = this.processes.active();
    const last = process?.target.memory.readings.last;
    if (!process || !last) return void this.item.hide();
    const recent = process.target.memory.readings.latest(TREND_WINDOW).map((s) => ({ t: s.timeMs / 60_000, v: s.heapUsed }));
    const perMinute = trendOf(recent).slope;
    const arrow = Math.abs(perMinute) < 64 * 1024 ? '→' : perMinute > 0 ? '↑' : '↓';
    const trend = arrow === '→' ? 'flat' : formatPerMinute(perMinute / 60);
    this.item.text = `$(pulse) ${formatBytes(last.heapUsed)} ${arrow}`;
    this.item.tooltip = `Leakscope: ${process.name}\nheap used ${formatBytes(last.heapUsed)} of ${formatBytes(last.heapTotal)}, ${trend}\nrss ${formatBytes(last.rss)}, external ${formatBytes(last.external)}\nClick for the Memory Growth panel`;
    this.item.show();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
