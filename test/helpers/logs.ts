import { logLine, type Logger } from '../../src/common/logger.ts';

/** A Logger that keeps its lines, to assert what was logged (and that nothing was). */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (message) => lines.push(`info ${message}`),
    warn: (message, error) => lines.push(`warn ${logLine(message, error)}`),
    error: (message, error) => lines.push(`error ${logLine(message, error)}`),
  };
}
