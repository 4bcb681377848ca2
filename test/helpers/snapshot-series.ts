import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const AGENT = resolve(import.meta.dirname, '../fixtures/snapshot-agent.cjs');

export interface SeriesOptions {
  count: number;
  /** Time before the first snapshot and between snapshots. */
  warmupMs: number;
  intervalMs: number;
  outDir: string;
  args?: string[];
  /** Flags for node itself, such as --track-heap-objects. */
  nodeArgs?: string[];
  /** The node binary that runs the program (default: the one running the tests). */
  node?: string;
}

/** Runs a real Node program and writes `count` heap snapshots of it, spaced in time. */
export async function captureSeries(script: string, options: SeriesOptions): Promise<string[]> {
  mkdirSync(options.outDir, { recursive: true });
  const child = spawn(options.node ?? process.execPath, [...(options.nodeArgs ?? []), '--require', AGENT, script, ...(options.args ?? [])], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`${script} exited (code ${code}) before the snapshots were taken`);
  });
  exited.catch(() => {});
  try {
    const files: string[] = [];
    await Promise.race([sleep(options.warmupMs), exited]);
    for (let k = 0; k < options.count; k++) {
      if (k > 0) await Promise.race([sleep(options.intervalMs), exited]);
      const path = join(options.outDir, `${k + 1}.heapsnapshot`);
      child.send({ type: 'snapshot', path });
      const [reply] = (await Promise.race([once(child, 'message'), exited])) as [{ path: string }];
      files.push(reply.path);
    }
    return files;
  } finally {
    child.kill();
  }
}
