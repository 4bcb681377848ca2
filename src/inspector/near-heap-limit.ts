// The last snapshot before an out-of-memory crash: V8 writes it itself when the heap nears
// its limit (node --heapsnapshot-near-heap-limit), raising the limit for the time it takes, so
// the evidence survives the crash that follows. Node names it Heap.<date>.<time>.<pid>.<thread>.<seq>.heapsnapshot
// in its diagnostic folder, mode 0600.
import { readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';

/** Node flags for a program that writes one snapshot near its heap limit into `folder`. */
export function nearHeapLimitFlags(folder: string): string[] {
  return ['--heapsnapshot-near-heap-limit=1', `--diagnostic-dir=${folder}`];
}

/**
 * The snapshot the process `pid` wrote near its heap limit in `folder`, renamed to `name`
 * (in the same folder); null when it wrote none.
 */
export function takeNearHeapLimitSnapshot(folder: string, pid: number, name: string): string | null {
  const written = readdirSync(folder).find((file) => {
    const match = /^Heap\.\d+\.\d+\.(\d+)\.\d+\.\d+\.heapsnapshot$/.exec(file);
    return match !== null && Number(match[1]) === pid;
  });
  if (!written) return null;
  const file = join(folder, name);
  renameSync(join(folder, written), file);
  return file;
}
