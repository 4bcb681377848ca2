import * as vscode from 'vscode';
import { snapshotLabel } from '../present/snapshots.ts';
import { MemoryPanel } from './memory-panel.ts';
import { Processes } from './processes.ts';
import { WatchedProcess } from './watched-process.ts';

/** Feeds the Memory Growth panel from the active process: its readings live, its snapshots as markers. */
export function feedPanel(panel: MemoryPanel, processes: Processes): vscode.Disposable {
  let shown: WatchedProcess | undefined;
  // A process that ends stays shown until another one is watched: only a live one replaces it.
  const show = () => {
    const active = processes.active();
    if (!active || active === shown) return;
    shown = active;
    panel.showSession(
      active.name,
      active.target.memory.samples,
      active.snapshots.map((s) => ({ timeMs: s.timeMs, label: snapshotLabel(s.seq) })),
    );
  };
  return vscode.Disposable.from(
    processes.onDidChange(show),
    processes.onDidSample(({ process, sample }) => process === shown && panel.addSamples([sample])),
    processes.onDidEnd((process) => process === shown && panel.ended(`${process.name}: ${process.endedBecause}`)),
  );
}
