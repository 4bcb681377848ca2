import * as vscode from 'vscode';
import { AnalysisService } from './analysis-service.ts';
import { Command } from './ids.ts';
import { hoverMarkdown, lineFindings } from './model/line-findings.ts';
import { readSettings } from './settings.ts';

/** CodeLens over the lines that hold memory or feed a leak, and a hover there with what holds it or how it got there. */
export class MemoryLenses implements vscode.CodeLensProvider, vscode.HoverProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly analysis: AnalysisService) {
    this.subscriptions = [
      analysis.onDidChange(() => this.changed.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('leakscope.codeLens') && this.changed.fire()),
    ];
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!readSettings().codeLensEnabled) return [];
    return lineFindings(this.analysis.current, document.uri.fsPath)
      .filter((f) => f.line <= document.lineCount)
      .map((f) => {
        const range = document.lineAt(f.line - 1).range;
        return new vscode.CodeLens(range, { title: f.text, tooltip: 'Show in Leakscope', command: Command.revealSuspect, arguments: [f.suspectId] });
      });
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | null {
    const found = lineFindings(this.analysis.current, document.uri.fsPath).filter((f) => f.line === position.line + 1);
    if (!found.length) return null;
    const text = new vscode.MarkdownString(hoverMarkdown(found));
    text.isTrusted = false;
    text.supportHtml = false;
    return new vscode.Hover(text, document.lineAt(position.line).range);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}
