import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { prepareSnapshotFolder, protectionNotice } from '../inspector/snapshot-folder.ts';
import { readSettings } from './settings.ts';

/**
 * Where snapshots go: the configured folder, or the extension's workspace storage. A folder
 * inside a git work tree is made to ignore its snapshots (they hold secrets) or the user is warned.
 */
export class SnapshotStore {
  private readonly checked = new Set<string>();

  constructor(private readonly context: vscode.ExtensionContext) {}

  async folder(): Promise<string> {
    const dir = this.configuredFolder();
    if (!this.checked.has(dir)) {
      const protection = await prepareSnapshotFolder(dir);
      this.checked.add(dir);
      const notice = protectionNotice(dir, protection);
      if (notice && protection === 'ignored-now') void vscode.window.showInformationMessage(`Leakscope ${notice}.`);
      else if (notice) void vscode.window.showWarningMessage(`Leakscope: ${notice}.`);
    }
    return dir;
  }

  private configuredFolder(): string {
    const configured = readSettings().snapshotFolder.trim();
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (configured) {
      const expanded = workspace ? configured.replace(/\$\{workspaceFolder\}/g, workspace) : configured;
      if (isAbsolute(expanded)) return expanded;
      if (workspace) return join(workspace, expanded);
    }
    return join((this.context.storageUri ?? this.context.globalStorageUri).fsPath, 'snapshots');
  }
}
