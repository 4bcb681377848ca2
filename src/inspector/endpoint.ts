import CDP from 'chrome-remote-interface';
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
  let targets: CDP.Target[];
  try {
    targets = await CDP.List({ host, port });
  } catch (error) {
    // A host that never answers times out with no message of its own.
    const reason = (error as Error).message || ((error as NodeJS.ErrnoException).code ?? 'no answer within its timeout');
    throw new LeakscopeError('disconnected', `no Node inspector answers on ${address} (${reason}); ${howToInspect(address, port)}`, { cause: error });
  }
  const node = targets.find((t) => t.type === 'node') ?? targets[0];
  if (!node?.webSocketDebuggerUrl) throw new LeakscopeError('input', `the inspector on ${address} lists no debuggable target`);
  return node.webSocketDebuggerUrl;
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
