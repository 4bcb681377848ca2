// The Node versions users run (22, 24, 26), installed by scripts/node-setup.sh into a cache
// outside the clone; the tests run programs (and the CLI) on each of them.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './paths.ts';

export interface NodeBinary {
  major: number;
  path: string;
}

let installed: NodeBinary[] | null = null;

/** Installs them on first use (cached across runs), so a fresh clone tests every version. */
export function nodeVersions(): NodeBinary[] {
  installed ??= execFileSync(join(ROOT, 'scripts/node-setup.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .map((line) => {
      const [major, path] = line.split(' ');
      return { major: Number(major), path };
    });
  return installed;
}

/**
 * The running Node (the CLI's) and every installed one, for the programs under test.
 * LEAKSCOPE_TEST_NODES=self keeps to the running one: CI's second pass, with the CLI on
 * another version, needs no second round of every version.
 */
export function programNodes(): NodeBinary[] {
  const current = { major: Number(process.versions.node.split('.')[0]), path: process.execPath };
  if (process.env.LEAKSCOPE_TEST_NODES === 'self') return [current];
  return [current, ...nodeVersions().filter((n) => n.major !== current.major)];
}
