// Wiring only: every part lives in its own module.
import * as vscode from 'vscode';
import { AnalysisService } from './analysis-service.ts';
import { CaptureCommands } from './capture.ts';
import { MemoryLenses } from './code-lens.ts';
import { attachToInspector, attachToProcess, hookDebugSessions } from './debug-hook.ts';
import { Command, View } from './ids.ts';
import { createLogger } from './log.ts';
import { MemoryPanel } from './memory-panel.ts';
import { feedPanel } from './panel-feed.ts';
import { Processes } from './processes.ts';
import { analyzeFiles, deleteSnapshot, openLocation, revealSnapshot } from './snapshot-commands.ts';
import { SnapshotStore } from './snapshot-store.ts';
import { MemoryStatus } from './status-bar.ts';
import { LeakscopeViews } from './views.ts';
import { LeakWatchService } from './leak-watch.ts';
import { registerLanguageModelTools } from './lm-tools.ts';

/** Kept for deactivate, which must let go of attached processes before the host ends. */
let processes: Processes | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const { logger, channel } = createLogger();
  const watched = new Processes();
  processes = watched;
  const analysis = new AnalysisService(context.asAbsolutePath('dist/worker.js'), logger);
  const panel = new MemoryPanel(context.extensionUri);
  const views = new LeakscopeViews(watched, analysis);
  const lenses = new MemoryLenses(analysis);
  const capture = new CaptureCommands(watched, new SnapshotStore(context), analysis, panel, logger);
  const leakWatch = new LeakWatchService(watched, capture, logger);
  const code = { scheme: 'file' };

  context.subscriptions.push(
    channel,
    watched,
    analysis,
    panel,
    views,
    lenses,
    leakWatch,
    new MemoryStatus(watched),
    hookDebugSessions(watched, logger),
    registerLanguageModelTools(watched, analysis, capture, logger),
    feedPanel(panel, watched),
    vscode.window.registerWebviewViewProvider(View.memory, panel),
    vscode.languages.registerCodeLensProvider(code, lenses),
    vscode.languages.registerHoverProvider(code, lenses),
    panel.onDidRequestCapture(() => capture.capture()),
    vscode.commands.registerCommand(Command.capture, () => capture.capture()),
    vscode.commands.registerCommand(Command.dumpAsync, () => capture.dumpAsync()),
    vscode.commands.registerCommand(Command.attach, () => attachToInspector(watched, logger)),
    vscode.commands.registerCommand(Command.attachProcess, () => attachToProcess(watched, logger)),
    vscode.commands.registerCommand(Command.stopWatching, () => {
      const active = watched.active();
      if (active) return watched.end(active, 'you stopped watching it', active.debugSessionId === null);
    }),
    vscode.commands.registerCommand(Command.startLeakWatch, () => leakWatch.set(true)),
    vscode.commands.registerCommand(Command.stopLeakWatch, () => leakWatch.set(false)),
    vscode.commands.registerCommand(Command.analyzeFiles, (clicked, selected) => analyzeFiles(analysis, clicked, selected)),
    vscode.commands.registerCommand(Command.compareSnapshots, (clicked, selected) => analyzeFiles(analysis, clicked, selected ?? views.snapshotsView.selection)),
    vscode.commands.registerCommand(Command.deleteSnapshot, (item) => deleteSnapshot(watched, item)),
    vscode.commands.registerCommand(Command.revealSnapshot, (item) => revealSnapshot(item)),
    vscode.commands.registerCommand(Command.openLocation, (ref) => openLocation(ref)),
    vscode.commands.registerCommand(Command.revealSuspect, (id) => views.revealSuspect(id ?? null)),
    vscode.commands.registerCommand(Command.showMemory, () => panel.reveal()),
    vscode.commands.registerCommand(Command.showLog, () => channel.show()),
  );
}

export function deactivate(): Promise<void> | undefined {
  return processes?.endAll();
}
