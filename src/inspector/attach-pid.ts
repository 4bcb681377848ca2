// Attach by process id: Node opens its inspector when sent SIGUSR1, on the address its
// --inspect-port says (127.0.0.1:9229 by default). Which port it took, and that the inspector
// answering there is that process, are found out and checked here, for the CLI and the
// extension alike; every way it can't be done is said in one sentence.
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { LeakscopeError, throwIfCancelled } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import { isLoopbackInspector } from './capture.ts';
import { hostPort, listTargets } from './endpoint.ts';
import { catchesSignal, Listener, listenersOf, nodeOptionsOf, portHeldByAnother, ProcessInfo, readProcess, requireProc, sharesNamespace, statusField } from './proc.ts';
import { InspectorSession } from './session.ts';

export interface PidAttachOptions {
  logger: Logger;
  signal?: AbortSignal;
  /** How long the inspector may take to open after SIGUSR1. */
  timeoutMs?: number;
}

export interface ProcessInspector {
  url: string;
  /** Whether our SIGUSR1 opened it: it then stays open until the process exits (Node closes it only from inside the program). */
  opened: boolean;
}

/**
 * What to tell the user when SIGUSR1 opened the inspector: it runs any code it is sent, and
 * stays open; null when it was open already.
 */
export function openedNotice(pid: number, { url, opened }: ProcessInspector): string | null {
  return opened ? `opened the inspector of process ${pid} on ${new URL(url).host} (SIGUSR1); it stays open there until the process exits` : null;
}

const DEFAULT_TIMEOUT_MS = 5000;
const POLL_MS = 100;
// What listens on a port of the program may be its own server, which need not answer at all.
const PROBE_TIMEOUT_MS = 1000;

function failure(message: string): LeakscopeError {
  return new LeakscopeError('input', message);
}

/**
 * Where SIGUSR1 opens the process's inspector: the last --inspect, --inspect-brk,
 * --inspect-wait, --inspect-port or --debug-port in NODE_OPTIONS and then its command line
 * (later ones win, as in Node), or 127.0.0.1:9229. The whole command line is read, the
 * program's own arguments too: a host that only looks non-loopback is refused rather than
 * an inspector opened to other machines.
 */
export function signalledAddress(argv: readonly string[], nodeOptions: string | null): { host: string; port: number } {
  const tokens = [...(nodeOptions?.split(/\s+/) ?? []), ...argv.slice(1)];
  let host = '127.0.0.1';
  let port = 9229;
  tokens.forEach((token, i) => {
    const flag = /^--(inspect|inspect-brk|inspect-wait|inspect-port|debug-port)(?:=(.*))?$/.exec(token);
    if (!flag) return;
    // Only the port flags take their value as the next argument; --inspect alone means the default.
    const value = flag[2] ?? (flag[1].endsWith('-port') ? tokens[i + 1] : undefined);
    const parsed = value === undefined ? null : /^(?:\[?(.*?)\]?:)?(\d+)$/.exec(value);
    if (parsed) {
      host = parsed[1] || host;
      port = Number(parsed[2]);
    } else if (value) {
      host = value.replace(/^\[(.*)\]$/, '$1');
    }
  });
  return { host, port };
}

/** The ws:// URL of the Node inspector on host:port, or null when what listens there is none. */
async function inspectorAt(host: string, port: number): Promise<string | null> {
  try {
    const targets = await listTargets(host, port, PROBE_TIMEOUT_MS);
    return targets.find((t) => t.type === 'node')?.webSocketDebuggerUrl ?? null;
  } catch {
    // One of the process's own servers, or a port that closed: not its inspector.
    return null;
  }
}

/** The pid the inspector at `url` says its process has. */
async function reportedPid(url: string): Promise<number> {
  const session = await InspectorSession.connect(url).catch((error: Error) => {
    throw new LeakscopeError('disconnected', `could not connect to ${url}: ${error.message}`, { cause: error });
  });
  try {
    const { result } = await session.send('Runtime.evaluate', { expression: 'process.pid', returnByValue: true });
    return Number(result.value);
  } finally {
    await session.close();
  }
}

/** The inspector among `listeners` that is process `pid`'s, checked by the pid it reports; null when none answers. */
async function inspectorOf(pid: number, listeners: Listener[]): Promise<string | null> {
  const found = await Promise.all(listeners.map(async ({ host, port }) => ({ host, port, url: await inspectorAt(host, port) })));
  for (const { host, port, url } of found) {
    if (!url) continue;
    const reported = await reportedPid(url);
    if (reported !== pid) throw failure(`the inspector on ${hostPort(host, port)} says it is process ${reported}, not ${pid}`);
    return url;
  }
  return null;
}

/** The process, once it is known that its inspector can be opened from here; or why not, before it is signalled. */
function reachableNodeProcess(pid: number): ProcessInfo {
  const info = readProcess(pid);
  if (!info) throw failure(`there is no process ${pid}`);
  // SIGUSR1 ends a program that does not handle it: only Node may be sent it.
  if (!info.isNode) throw failure(`process ${pid} (${info.name}) is not a Node process, so it has no inspector to open`);
  // NSpid lists the process's id in each PID namespace down to its own: the last is the one it knows.
  const inner = Number(statusField(pid, 'NSpid')?.at(-1) ?? pid);
  if (inner !== pid || sharesNamespace(pid, 'pid') === false) {
    throw failure(`process ${pid} runs in another container (another PID namespace${inner !== pid ? `, where it is process ${inner}` : ''}): run leakscope inside that container`);
  }
  if (sharesNamespace(pid, 'net') === false) {
    throw failure(`process ${pid} runs in another container (another network namespace), where an inspector on 127.0.0.1 can't be reached from here: run leakscope inside that container`);
  }
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw failure(`there is no process ${pid}`);
    const uid = statusField(pid, 'Uid')?.[0];
    throw failure(`no permission to signal process ${pid}, which runs as ${uid === undefined ? 'another user' : `uid ${uid}`}: run leakscope as that user or as root`);
  }
  return info;
}

/**
 * The inspector of Node process `pid`, opened with SIGUSR1 if it has none yet, and checked to
 * be that process's. Linux only: it reads /proc.
 */
export async function inspectorOfProcess(pid: number, options: PidAttachOptions): Promise<ProcessInspector> {
  requireProc();
  const info = reachableNodeProcess(pid);
  const wanted = signalledAddress(info.argv, nodeOptionsOf(pid));
  const before = listenersOf(pid);
  // Without its descriptors there is no telling its sockets: only where SIGUSR1 would open one.
  const listeners = () => listenersOf(pid) ?? (wanted.port ? [{ inode: '', host: '127.0.0.1', port: wanted.port }] : []);

  // Already open: started with --inspect, or sent SIGUSR1 before.
  const open = await inspectorOf(pid, listeners());
  if (open) {
    options.logger.info(`process ${pid} already has an inspector: ${open}`);
    return { url: open, opened: false };
  }

  const address = hostPort(wanted.host, wanted.port);
  if (!isLoopbackInspector(address)) {
    throw failure(
      `process ${pid} would open its inspector on ${address} (its --inspect-port), where other machines could reach it and run any code in the program; Leakscope opens inspectors on loopback only: start it with --inspect-port=127.0.0.1:${wanted.port}`,
    );
  }
  if (wanted.port !== 0 && portHeldByAnother(pid, wanted.port)) {
    const url = await inspectorAt('127.0.0.1', wanted.port);
    const holder = url ? await reportedPid(url) : null;
    const held = holder === null ? 'is taken by another program' : `is held by the inspector of process ${holder}`;
    throw failure(`port ${wanted.port}, where process ${pid} would open its inspector, ${held}: start process ${pid} with --inspect-port=127.0.0.1:0 (any free port) or free that port`);
  }

  // Node catches SIGUSR1 once started: before, the signal ends it; with --disable-sigusr1 it blocks it.
  if (catchesSignal(pid, constants.signals.SIGUSR1) === false) {
    throw failure(`process ${pid} does not take SIGUSR1 (it is still starting, when the signal would end it, or runs with --disable-sigusr1): not sent`);
  }
  const exited = () => new LeakscopeError('disconnected', `process ${pid} exited before its inspector opened`);
  try {
    process.kill(pid, 'SIGUSR1');
  } catch {
    // It could be signalled a moment ago (reachableNodeProcess): it is gone since.
    throw exited();
  }
  options.logger.info(`sent SIGUSR1 to process ${pid}; waiting for its inspector on ${address}`);
  const known = new Set((before ?? []).map((l) => l.inode));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await sleep(POLL_MS);
    throwIfCancelled(options.signal);
    if (!readProcess(pid)) throw exited();
    const url = await inspectorOf(pid, listeners().filter((l) => !known.has(l.inode)));
    if (url) return { url, opened: true };
  }
  throw failure(
    `process ${pid} did not open its inspector within ${timeoutMs / 1000} s of SIGUSR1 (a program with a SIGUSR1 handler of its own keeps it closed)`,
  );
}
