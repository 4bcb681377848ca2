import type { Logger } from '../common/logger.ts';
import type { LiveTarget } from '../inspector/live-target.ts';
import { LiveSession } from '../live/live-session.ts';

/** A live session in the editor: a debug session's process, or one attached by address or pid. */
export class WatchedProcess extends LiveSession {
  constructor(
    key: string,
    name: string,
    target: LiveTarget,
    logger: Logger,
    /** The debug session that owns the process, if any, and the one that launched it. */
    readonly debugSessionId: string | null,
    readonly parentSessionId: string | null = null,
  ) {
    super(key, name, target, logger);
  }
}
