// Where failures go that the user need not act on at once: the extension's Leakscope output
// channel, the CLI's stderr with --verbose. Nothing here knows about VS Code.
import { LeakscopeError } from './errors.ts';

export interface Logger {
  info(message: string): void;
  warn(message: string, error?: unknown): void;
  error(message: string, error?: unknown): void;
}

export type LogLevel = keyof Logger;

/** A message with its error's detail: the sentence of one of ours, the stack of anything else. */
export function logLine(message: string, error?: unknown): string {
  if (error === undefined) return message;
  if (error instanceof LeakscopeError) return `${message}: ${error.message}`;
  return `${message}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

/** Lines to a writer (the CLI's stderr), each with its level. */
export function writerLogger(write: (line: string) => void): Logger {
  const log = (level: LogLevel) => (message: string, error?: unknown) => write(`leakscope [${level}] ${logLine(message, error)}\n`);
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

/** The CLI without --verbose: failures that matter reach the report's notes instead. */
export const quietLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
