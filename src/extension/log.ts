import * as vscode from 'vscode';
import { logLine, Logger } from '../common/logger.ts';

/** The Leakscope output channel (Output ▸ Leakscope), as the Logger every part writes to. */
export function createLogger(): { logger: Logger; channel: vscode.LogOutputChannel } {
  const channel = vscode.window.createOutputChannel('Leakscope', { log: true });
  const logger: Logger = {
    info: (message) => channel.info(message),
    warn: (message, error) => channel.warn(logLine(message, error)),
    error: (message, error) => channel.error(logLine(message, error)),
  };
  return { logger, channel };
}
