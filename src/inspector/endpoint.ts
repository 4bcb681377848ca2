import CDP from 'chrome-remote-interface';

/**
 * The WebSocket URL of a Node inspector given as a port (`9229`), `host:port`, or a
 * `ws://` URL. Ports are looked up on 127.0.0.1 unless a host is named.
 */
export async function resolveInspectorUrl(spec: string): Promise<string> {
  if (/^wss?:\/\//.test(spec)) return spec;
  const match = /^(?:\[?([^\]]+?)\]?:)?(\d{1,5})$/.exec(spec.trim());
  if (!match) throw new Error(`'${spec}' is not an inspector address: give a port, host:port, or a ws:// URL`);
  const host = match[1] ?? '127.0.0.1';
  const port = Number(match[2]);
  let targets: CDP.Target[];
  try {
    targets = await CDP.List({ host, port });
  } catch (error) {
    throw new Error(`no Node inspector answers on ${host}:${port} (${(error as Error).message}); start the program with --inspect=${host}:${port}`, {
      cause: error,
    });
  }
  const node = targets.find((t) => t.type === 'node') ?? targets[0];
  if (!node?.webSocketDebuggerUrl) throw new Error(`the inspector on ${host}:${port} lists no debuggable target`);
  return node.webSocketDebuggerUrl;
}
