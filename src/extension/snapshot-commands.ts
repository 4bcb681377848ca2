import { existsSync, rmSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { AnalysisService } from './analysis-service.ts';
import { View } from './ids.ts';
import type { Item } from './model/item.ts';
import type { SourceRef } from '../analysis/report.ts';
import { Processes } from './processes.ts';

/**
 * Files picked in the Explorer, or rows picked in Snapshots: the snapshots they stand for, oldest first.
 * The Explorer offers the command when the clicked file is a snapshot but passes the whole
 * selection, which may hold other files: only `.heapsnapshot` files count.
 */
function snapshotFiles(picked: Array<vscode.Uri | Item | undefined>): string[] {
  const files = picked
    .map((p) => (p instanceof vscode.Uri ? p.fsPath : p?.file))
    .filter((f): f is string => !!f && /\.heapsnapshot$/i.test(f) && existsSync(f));
  return [...new Set(files)]
    .map((file) => ({ file, mtime: statSync(file).mtimeMs }))
    .sort((a, b) => a.mtime - b.mtime)
    .map(({ file }) => file);
}

/** "Analyze with Leakscope" (Explorer) and "Compare" (Snapshots): one file, or several of one process. */
export async function analyzeFiles(analysis: AnalysisService, clicked: vscode.Uri | Item | undefined, selected: Array<vscode.Uri | Item> | undefined): Promise<void> {
  let files = snapshotFiles(selected?.length ? selected : [clicked]);
  if (!files.length) {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: true, filters: { 'Heap snapshots': ['heapsnapshot'] }, title: 'Leakscope: heap snapshots to analyse' });
    files = snapshotFiles(picked ?? []);
  }
  if (!files.length) return;
  const findings = await analysis.analyze({ title: files.map((f) => basename(f)).join(' → '), files, timesMs: null, samples: [], sites: [] });
  if (findings) await vscode.commands.executeCommand(`${files.length > 1 ? View.suspects : View.retainers}.focus`);
}

export async function deleteSnapshot(processes: Processes, item: Item | undefined): Promise<void> {
  const file = item?.file;
  if (!file) return;
  const answer = await vscode.window.showWarningMessage(`Delete ${basename(file)}?`, { modal: true }, 'Delete');
  if (answer !== 'Delete') return;
  rmSync(file, { force: true });
  for (const p of processes.list()) {
    p.removeSnapshot(file);
    processes.touch(p);
  }
}

export async function revealSnapshot(item: Item | undefined): Promise<void> {
  if (item?.file) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(item.file));
}

/** Opens a finding's line: the original source (locations are already source-mapped), cursor on the spot. */
export async function openLocation(ref: SourceRef | undefined): Promise<void> {
  if (!ref) return;
  const uri = existsSync(ref.file) ? vscode.Uri.file(ref.file) : null;
  if (!uri) return void vscode.window.showWarningMessage(`Leakscope: ${ref.file} is not a file on this machine.`);
  const position = new vscode.Position(Math.max(0, ref.line - 1), Math.max(0, ref.column - 1));
  await vscode.window.showTextDocument(uri, { selection: new vscode.Range(position, position), preview: true });
}
