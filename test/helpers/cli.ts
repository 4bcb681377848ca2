import { spawnSync } from 'node:child_process';
import { CLI } from './paths.ts';

/** The built CLI, run to its end: exit code and output. */
export function leakscope(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 180_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
