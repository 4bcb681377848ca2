// `leakscope mcp` over stdio. The programs a run starts inherit the stdin and stdout of the
// process that starts them (so that a CLI user sees their output): a program that logs, or
// reads its stdin, would write into the protocol or take messages from it. So the server runs
// in a child of this process, with an empty stdin and stderr for stdout, and speaks the
// protocol on a pipe (its fd 3) that this process relays to and from its own stdin and stdout.
// Nothing but protocol messages can reach stdout, whoever writes.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createServer, McpOptions } from './server.ts';

/** Set in the child that serves: the fd of its protocol pipe. */
const CHANNEL_ENV = 'LEAKSCOPE_MCP_CHANNEL';
const CHANNEL_FD = 3;
/** After the end is asked for, the longest a server may take to stop its programs. */
const STOP_GRACE_MS = 20_000;

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Serves MCP on stdin and stdout until the client closes them or a signal ends it; the exit code. */
export async function serveMcp(options: McpOptions): Promise<number> {
  if (process.env[CHANNEL_ENV] === String(CHANNEL_FD)) {
    // The programs this server starts are not servers of it.
    delete process.env[CHANNEL_ENV];
    return serve(options);
  }
  return relay();
}

async function relay(): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['ignore', 2, 'inherit', 'pipe'],
    env: { ...process.env, [CHANNEL_ENV]: String(CHANNEL_FD) },
  });
  const channel = child.stdio[CHANNEL_FD] as Duplex;
  // The client closing stdin ends the channel: the server then stops.
  process.stdin.pipe(channel);
  channel.pipe(process.stdout);
  channel.on('error', () => {});
  for (const signal of SIGNALS) process.on(signal, () => child.kill(signal));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  process.stdin.unpipe(channel);
  process.stdin.pause();
  return code ?? (signal ? 128 : 1);
}

async function serve(options: McpOptions): Promise<number> {
  const channel = new Socket({ fd: CHANNEL_FD, readable: true, writable: true });
  const { server, close } = createServer(options);
  // The end: the client closed the channel (or the relay died), or a signal asks for it.
  const ended = new Promise<void>((resolve) => {
    channel.once('end', resolve);
    channel.once('close', resolve);
    channel.once('error', () => resolve());
    // Kept on: a second signal while the programs stop must not end the server half-way.
    for (const signal of SIGNALS) process.on(signal, () => resolve());
  });
  await server.connect(new StdioServerTransport(channel, channel));
  await ended;
  // Whatever still holds the process (a program that will not stop) does not keep it forever.
  setTimeout(() => process.exit(1), STOP_GRACE_MS).unref();
  await close();
  await server.close();
  channel.destroy();
  return 0;
}
