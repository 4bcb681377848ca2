import * as vscode from 'vscode';
import { AnalysisService } from './analysis-service.ts';
import { View } from './ids.ts';
import { ItemTree } from './item-tree.ts';
import { asyncItems } from './model/async-items.ts';
import type { Item } from './model/item.ts';
import { retainerItems } from './model/retainer-items.ts';
import { snapshotItems } from './model/snapshot-items.ts';
import { suspectItems } from './model/suspect-items.ts';
import { Processes } from './processes.ts';

/** The four trees of the Leakscope view, kept in step with the processes and the latest analysis. */
export class LeakscopeViews implements vscode.Disposable {
  private readonly snapshots = new ItemTree();
  private readonly suspects = new ItemTree();
  private readonly retainers = new ItemTree();
  private readonly asyncResources = new ItemTree();
  readonly snapshotsView: vscode.TreeView<Item>;
  private readonly suspectsView: vscode.TreeView<Item>;
  private readonly retainersView: vscode.TreeView<Item>;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly processes: Processes,
    private readonly analysis: AnalysisService,
  ) {
    this.snapshotsView = vscode.window.createTreeView(View.snapshots, { treeDataProvider: this.snapshots, canSelectMany: true });
    this.suspectsView = vscode.window.createTreeView(View.suspects, { treeDataProvider: this.suspects, showCollapseAll: true });
    this.retainersView = vscode.window.createTreeView(View.retainers, { treeDataProvider: this.retainers, showCollapseAll: true });
    const asyncView = vscode.window.createTreeView(View.asyncResources, { treeDataProvider: this.asyncResources, showCollapseAll: true });
    this.disposables = [
      this.snapshotsView,
      this.suspectsView,
      this.retainersView,
      asyncView,
      this.snapshots,
      this.suspects,
      this.retainers,
      this.asyncResources,
      processes.onDidChange(() => this.showProcesses()),
      analysis.onDidChange(() => this.showFindings()),
    ];
  }

  private showProcesses(): void {
    this.snapshots.setRoots(snapshotItems(this.processes.list()));
    const active = this.processes.active() ?? this.processes.list().findLast((p) => p.dumps.length > 0);
    this.asyncResources.setRoots(active ? asyncItems(active.key, active.dumps, (at) => active.maps.resolveFrame(at)) : []);
  }

  private showFindings(): void {
    const findings = this.analysis.current;
    this.suspects.setRoots(suspectItems(findings));
    this.retainers.setRoots(retainerItems(findings, this.analysis.queries));
    this.suspectsView.description = findings?.title;
    this.retainersView.description = findings ? `newest of ${findings.files.length} snapshot${findings.files.length > 1 ? 's' : ''}` : undefined;
  }

  /** Selects a suspect's row (a CodeLens was clicked), or just shows the view. */
  async revealSuspect(id: string | null): Promise<void> {
    const item = id ? this.suspects.find(id) : undefined;
    if (item) await this.suspectsView.reveal(item, { select: true, focus: true, expand: true });
    else await vscode.commands.executeCommand(`${View.suspects}.focus`);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
