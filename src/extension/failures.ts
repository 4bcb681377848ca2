import * as vscode from 'vscode';
import { errorKind, errorMessage } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import { Command } from './ids.ts';

/**
 * Tells the user what went wrong with `what` ("the heap snapshot", "analysing a.heapsnapshot"),
 * one message per kind of failure; every failure but a cancel also goes to the log.
 */
export function showFailure(logger: Logger, what: string, error: unknown): void {
  const kind = errorKind(error);
  const message = errorMessage(error);
  if (kind !== 'cancelled') logger.error(`${what} failed`, error);
  switch (kind) {
    case 'cancelled':
      void vscode.window.showInformationMessage(`Leakscope: ${what} was cancelled; nothing was saved.`);
      return;
    case 'input':
    case 'disconnected':
      void vscode.window.showErrorMessage(`Leakscope: ${what} failed: ${message}`);
      return;
    case 'memory':
      void vscode.window
        .showErrorMessage(`Leakscope: ${what} failed: ${message}. Close other programs, or raise "leakscope.analysis.maxMemoryMb" and try again.`, 'Open Settings')
        .then((choice) => choice && vscode.commands.executeCommand('workbench.action.openSettings', 'leakscope.analysis.maxMemoryMb'));
      return;
    case 'internal':
      void vscode.window
        .showErrorMessage(`Leakscope: ${what} failed (${message}). This is a bug in Leakscope: try again, and report it with the log if it fails again.`, 'Show Log')
        .then((choice) => choice && vscode.commands.executeCommand(Command.showLog));
  }
}
