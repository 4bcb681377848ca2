import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface LaunchOptions {
  args?: string[];
  /** The node binary to run the program with; by default the one running Leakscope. */
  node?: string;
  /** Flags for node itself (before the script), e.g. `--require` of a preload. */
  nodeArgs?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Where the program's own stderr goes (the inspector's banner lines are held back). */
  stderr?: NodeJS.WritableStream;
  /** 'pipe' to read the program's stdout (child.stdout); by default it is the terminal's. */
  stdout?: 'inherit' | 'pipe';
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A program started with its inspector on 127.0.0.1 and a free port. */
export interface LaunchedProgram {
  readonly child: ChildProcess;
  readonly inspectorUrl: string;
  /** Settles when the program exits, however it ends. */
  readonly exited: Promise<ExitStatus>;
  /** Asks the program to stop (SIGTERM), and insists (SIGKILL) after `graceMs`. */
  stop(graceMs?: number): Promise<ExitStatus>;
}

const LISTENING = /^Debugger listening on (ws:\/\/\S+)/;
// What the inspector itself prints; the program's own stderr still reaches the terminal.
const INSPECTOR_NOISE = [LISTENING, /^For help, see: https:\/\/nodejs\.org/, /^Debugger attached\.$/, /^Waiting for the debugger to disconnect\.\.\.$/, /^Debugger ending on ws:/];

/**
 * Runs `node --inspect=127.0.0.1:0 script args`, reads the inspector's URL from stderr,
 * and passes everything else the program writes through. Stdout and stdin are the
 * program's own.
 */
export async function launchInspected(script: string, options: LaunchOptions = {}): Promise<LaunchedProgram> {
  if (!existsSync(script)) throw new Error(`${script}: no such file`);
  const node = options.node ?? process.execPath;
  const child = spawn(node, [...(options.nodeArgs ?? []), '--inspect=127.0.0.1:0', script, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['inherit', options.stdout ?? 'inherit', 'pipe'],
  });
  const exited: Promise<ExitStatus> = once(child, 'exit').then(([code, signal]) => ({ code, signal }) as ExitStatus);
  const out = options.stderr ?? process.stderr;
  const lines = createInterface({ input: child.stderr! });
  let resolveUrl!: (url: string) => void;
  const url = new Promise<string>((resolve) => (resolveUrl = resolve));
  lines.on('line', (line) => {
    const listening = LISTENING.exec(line);
    if (listening) resolveUrl(listening[1]);
    if (!INSPECTOR_NOISE.some((pattern) => pattern.test(line))) out.write(line + '\n');
  });
  const spawnError = once(child, 'error').then(([error]) => {
    throw new Error(`could not start ${node}: ${(error as Error).message}`);
  });
  const early = exited.then((status) => {
    throw new Error(`${script} exited (${describeExit(status)}) before its inspector started`);
  });
  const inspectorUrl = await Promise.race([url, early, spawnError]);
  return {
    child,
    inspectorUrl,
    exited,
    async stop(graceMs = 3000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export function describeExit({ code, signal }: ExitStatus): string {
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}
