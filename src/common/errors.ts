// The one error model. Every failure a user can meet is one of these kinds; the CLI maps a
// kind to its exit code once (cli/exit-codes.ts), the extension to its message once
// (extension/failures.ts). Messages are one sentence that says what went wrong and where.

/**
 * - input: the world is not as needed (a file, a flag, a program that cannot be started,
 *   a capture the program could not write);
 * - cancelled: the user asked to stop;
 * - memory: not enough memory for the analysis;
 * - disconnected: the program or its inspector went away;
 * - internal: a bug of ours.
 */
export type ErrorKind = 'input' | 'cancelled' | 'memory' | 'disconnected' | 'internal';

export class LeakscopeError extends Error {
  override name = 'LeakscopeError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The one cancelled error: whatever the user stopped throws this. */
export class CancelledError extends LeakscopeError {
  override name = 'CancelledError';
  constructor() {
    super('cancelled', 'cancelled');
  }
}

/** The kind of any error: ours carry it; a few of Node's are known. */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof LeakscopeError) return error.kind;
  // Node's own way to say an AbortSignal fired (timers/promises, events.once).
  if (error instanceof Error && error.name === 'AbortError') return 'cancelled';
  if (error instanceof RangeError && /allocation failed|Array buffer allocation/i.test(error.message)) return 'memory';
  return 'internal';
}

/** The sentence to show: an internal error's first line (its stack goes to the log). */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return errorKind(error) === 'internal' ? (message.split('\n')[0] ?? message) : message;
}

/** Any error as one of ours, keeping the original as the cause. */
export function asLeakscopeError(error: unknown): LeakscopeError {
  if (error instanceof LeakscopeError) return error;
  const kind = errorKind(error);
  if (kind === 'cancelled') return new CancelledError();
  return new LeakscopeError(kind, error instanceof Error ? error.message : String(error), { cause: error });
}

// Cancellation is an AbortSignal everywhere. A worker busy in a long synchronous pass reads
// no messages, so its signal can be fed by a poll instead (the host writes a shared slot),
// which every check asks first.
const polls = new WeakMap<AbortSignal, () => void>();

/** A signal that aborts once `poll` says so, asked at every `throwIfCancelled`/`isCancelled`. */
export function polledSignal(poll: () => boolean): AbortSignal {
  const controller = new AbortController();
  polls.set(controller.signal, () => {
    if (!controller.signal.aborted && poll()) controller.abort();
  });
  return controller.signal;
}

export function isCancelled(signal: AbortSignal | undefined): boolean {
  if (!signal) return false;
  polls.get(signal)?.();
  return signal.aborted;
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (isCancelled(signal)) throw new CancelledError();
}
