import { LeakscopeError } from '../common/errors.ts';
import { isLoopbackInspector } from './capture.ts';

/**
 * The WebSocket URL of a Node inspector given as a port (`9229`), `host:port`, or a
 * `ws://` URL. Ports are looked up on 127.0.0.1 unless a host is named.
 */
export async function resolveInspectorUrl(spec: string): Promise<string> {
  if (/^wss?:\/\//.test(spec)) return spec;
  const match = /^(?:\[?([^\]]+?)\]?:)?(\d{1,5})$/.exec(spec.trim());
  if (!match) throw new LeakscopeError('input', `'${spec}' is not an inspector address: give a port, host:port, or a ws:// URL`);
  const host = match[1] ?? '127.0.0.1';
  const port = Number(match[2]);
  const address = hostPort(host, port);
  let targets: InspectorTarget[];
  try {
    targets = await listTargets(host, port, LIST_TIMEOUT_MS);
  } catch (error) {
    if (error instanceof LeakscopeError) throw error;
    const cause = (error as Error & { cause?: NodeJS.ErrnoException }).cause;
    const reason = cause?.code ?? (error as Error).message;
    throw new LeakscopeError('disconnected', `no Node inspector answers on ${address} (${reason}); ${howToInspect(address, port)}`, { cause: error });
  }
  const node = targets.find((t) => t.type === 'node') ?? targets[0];
  if (!node?.webSocketDebuggerUrl) throw new LeakscopeError('input', `the inspector on ${address} lists no debuggable target`);
  return node.webSocketDebuggerUrl;
}

export interface InspectorTarget {
  type?: string;
  webSocketDebuggerUrl?: string;
}

const LIST_TIMEOUT_MS = 10_000;

/**
 * What the inspector on host:port lists (GET /json/list). Throws fetch's error when nothing
 * answers, and says so when what answers is no inspector (a web server's page, say).
 */
export async function listTargets(host: string, port: number, timeoutMs: number): Promise<InspectorTarget[]> {
  const response = await fetch(`http://${hostPort(host, port)}/json/list`, { signal: AbortSignal.timeout(timeoutMs) });
  const body: unknown = await response.json().catch(() => null);
  if (!Array.isArray(body)) throw new LeakscopeError('input', `what answers on ${hostPort(host, port)} is not a Node inspector (its /json/list is no list of targets)`);
  return body as InspectorTarget[];
}

/** `host:port`, with an IPv6 host in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Anyone who reaches an inspector can run code in the program, so the advice keeps it on
 * loopback: never `--inspect=` with the host of another machine or every interface.
 */
function howToInspect(address: string, port: number): string {
  if (isLoopbackInspector(address)) return `start the program with --inspect=${address}`;
  return (
    `start the program on its machine with --inspect=127.0.0.1:${port} (whoever reaches an inspector can run any code in the program) ` +
    `and attach through a tunnel: ssh -L ${port}:127.0.0.1:${port} <its machine>, then attach to ${port}`
  );
}
