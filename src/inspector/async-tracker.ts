import { InspectorSession } from './session.ts';

/** Live async resources of one kind, created from one place, as counted in the target. */
export interface AsyncGroup {
  /** async_hooks' type: PROMISE, Timeout, TCPWRAP, FSREQCALLBACK… */
  type: string;
  /** The creation stack, innermost first, Node's own frames left out. */
  frames: string[];
  count: number;
}

export interface AsyncDump {
  /** `process.getActiveResourcesInfo()` by type: what keeps the event loop alive. */
  active: Record<string, number>;
  /** Resources created since the tracker was installed, grouped by (type, stack); null when it isn't. */
  groups: AsyncGroup[] | null;
}

/** How `leakscope run` tells the preloaded tracker to leave promises out: set to 0. */
export const TRACK_PROMISES_ENV = 'LEAKSCOPE_TRACK_PROMISES';

export interface TrackerOptions {
  /**
   * Track promises too. They are most of what the async view shows (pending ones by the line
   * that made them) and most of what the tracker costs: a program that does little but
   * `await` ran 100–250× slower with them, about as fast without them on Node 24 and 26.
   */
  promises: boolean;
}

/**
 * The tracker, as source: run in the target as a preload (`leakscope run`) or through
 * Runtime.evaluate (`attach`, where it sees only what is created after). It records the
 * creation stack of each async resource until the resource is destroyed or, for promises,
 * settled, and removes itself completely on `uninstall`.
 */
export function trackerSource(options: TrackerOptions): string {
  return `(() => {
  if (globalThis.__leakscopeAsync) return 'already';
  const PROMISES = ${options.promises ? 'true' : 'false'};
  const { createHook } = process.getBuiltinModule ? process.getBuiltinModule('node:async_hooks') : require('node:async_hooks');
  const live = new Map();
  const IGNORED = new Set(['TickObject', 'Microtask', 'PROMISE_RESOLVE_THENABLE']);
  // Frames of the tracker itself and of Node's internals say nothing about the program. Code
  // run through the inspector sits at '<anonymous>'; a module's top level is 'Object.<anonymous>
  // (file:line:col)', the program's own, and stays.
  const OURS = /__leakscopeAsync|async-preload|node:internal|node:async_hooks|\\beval\\b|(^|\\()<anonymous>/;
  function stack() {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 12;
    const text = new Error().stack || '';
    Error.stackTraceLimit = limit;
    return text.split('\\n').slice(1).map((l) => l.trim().replace(/^at /, '')).filter((l) => !OURS.test(l)).slice(0, 6);
  }
  const callbacks = {
    // Node 24 and 26 leave promises out of the hooks when asked, which takes their cost away;
    // Node 20 and 22 ignore the option, and init skips them (no stack taken). Node marks
    // tracking them as the default "for now": ask either way, so it stays if that changes.
    trackPromises: PROMISES,
    init(id, type) {
      if (IGNORED.has(type) || (!PROMISES && type === 'PROMISE')) return;
      live.set(id, { type, frames: stack() });
    },
    destroy(id) {
      live.delete(id);
    },
  };
  // Node 24 and 26 refuse a promiseResolve hook without trackPromises.
  if (PROMISES) callbacks.promiseResolve = (id) => live.delete(id);
  const hook = createHook(callbacks);
  hook.enable();
  Object.defineProperty(globalThis, '__leakscopeAsync', {
    configurable: true,
    enumerable: false,
    value: {
      dump() {
        const groups = new Map();
        for (const { type, frames } of live.values()) {
          const key = type + '\\n' + frames.join('\\n');
          const group = groups.get(key);
          if (group) group.count++;
          else groups.set(key, { type, frames, count: 1 });
        }
        return [...groups.values()].sort((a, b) => b.count - a.count).slice(0, 200);
      },
      uninstall() {
        hook.disable();
        live.clear();
        delete globalThis.__leakscopeAsync;
      },
    },
  });
  return 'installed';
})()`;
}

const DUMP = `JSON.stringify({
  active: process.getActiveResourcesInfo().reduce((all, type) => ((all[type] = (all[type] || 0) + 1), all), {}),
  groups: globalThis.__leakscopeAsync ? globalThis.__leakscopeAsync.dump() : null,
})`;

async function evaluate(session: InspectorSession, expression: string): Promise<unknown> {
  const { result, exceptionDetails } = await session.send('Runtime.evaluate', { expression, returnByValue: true, silent: true });
  if (exceptionDetails) throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text);
  return result.value;
}

/** Installs the tracker in a running program: only resources created from now on are seen. */
export async function installTracker(session: InspectorSession, options: TrackerOptions): Promise<void> {
  await evaluate(session, trackerSource(options));
}

export async function dumpAsyncResources(session: InspectorSession): Promise<AsyncDump> {
  return JSON.parse(String(await evaluate(session, DUMP))) as AsyncDump;
}

/** Takes the tracker out again: no hook, no table, no global left behind. */
export async function uninstallTracker(session: InspectorSession): Promise<void> {
  await evaluate(session, 'globalThis.__leakscopeAsync && globalThis.__leakscopeAsync.uninstall()');
}

/** Where a resource was created: the innermost frame with a file position. */
export function frameLocation(frame: string): { file: string; line: number; column: number } | null {
  const match = /\(?([^()\s]+):(\d+):(\d+)\)?$/.exec(frame);
  if (!match) return null;
  return { file: match[1], line: Number(match[2]), column: Number(match[3]) };
}
