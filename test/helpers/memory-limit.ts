// A program under a memory limit, as in a container: a memory cgroup (v1 or v2) that the
// kernel enforces, and a launcher that starts node inside it.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratch } from './paths.ts';

export interface MemoryLimit {
  /** A script that runs `node <args>` inside the cgroup: pass it as LaunchOptions.node. */
  launcher(node: string): string;
  dispose(): void;
}

/** The cgroup's folder and the files that set its limit, where this machine lets us make one. */
function makeCgroup(name: string): { dir: string; limits: string[] } | null {
  const v1 = '/sys/fs/cgroup/memory';
  if (existsSync(join(v1, 'memory.limit_in_bytes'))) return { dir: join(v1, name), limits: ['memory.limit_in_bytes'] };
  const v2 = '/sys/fs/cgroup';
  const controllers = existsSync(join(v2, 'cgroup.subtree_control')) ? readFileSync(join(v2, 'cgroup.subtree_control'), 'utf8') : '';
  if (controllers.split(/\s+/).includes('memory')) return { dir: join(v2, name), limits: ['memory.max', 'memory.swap.max'] };
  return null;
}

/** A memory limit of `bytes` (without swap), or why none can be made here. */
export function memoryLimit(bytes: number): MemoryLimit | string {
  const cgroup = makeCgroup(`leakscope-test-${process.pid}-${Date.now()}`);
  if (!cgroup) return 'this machine has no memory cgroup controller to limit a program with';
  try {
    mkdirSync(cgroup.dir);
    for (const file of cgroup.limits) writeFileSync(join(cgroup.dir, file), file.includes('swap') ? '0' : String(bytes));
  } catch (error) {
    return `cannot make a memory cgroup here (${(error as Error).message})`;
  }
  const folder = scratch('cgroup');
  let made = 0;
  return {
    launcher(node) {
      const launcher = join(folder, `node-${++made}.sh`);
      writeFileSync(launcher, `#!/bin/sh\necho $$ > '${join(cgroup.dir, 'cgroup.procs')}' || exit 70\nexec '${node}' "$@"\n`);
      chmodSync(launcher, 0o755);
      return launcher;
    },
    dispose() {
      // Fails while a process is still inside; the tests stop theirs first.
      rmdirSync(cgroup.dir);
    },
  };
}
