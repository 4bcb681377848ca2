import type { ErrorKind } from '../common/errors.ts';

/** The CLI's exit codes, for CI: one per outcome, one per kind of failure. */
export const ExitCode = {
  done: 0,
  /** The verdict is a leak, with --fail-on-leak. */
  leak: 1,
  /** Bad input, or the program or its inspector went away: said in one sentence. */
  failed: 2,
  /** Not enough memory for the analysis. */
  memory: 3,
  /** A bug of ours: the stack is printed. */
  internal: 4,
  /** Stopped with Ctrl-C (128 + SIGINT, as shells report it). */
  cancelled: 130,
} as const;

export function exitCodeFor(kind: ErrorKind): number {
  switch (kind) {
    case 'input':
    case 'disconnected':
      return ExitCode.failed;
    case 'memory':
      return ExitCode.memory;
    case 'cancelled':
      return ExitCode.cancelled;
    case 'internal':
      return ExitCode.internal;
  }
}
