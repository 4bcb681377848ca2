import { formatBytes } from '../present/units.ts';
import { LOAD } from './in-program.ts';
import { InspectorSession } from './session.ts';

/**
 * Extra memory V8 takes in the program while it writes a heap snapshot, per byte of used
 * heap: its own copy of the graph (entries, edges, ids, names) in native memory, held until
 * the file is written. Measured by the peak rss of programs of 200 MB of heap on Node 20, 22,
 * 24 and 26: 6× for small objects (8× on Node 20), 7–8.5× for a mixed heap, 8–10× for
 * large strings. Node's documentation says 2×, which lets the OOM killer in.
 */
const SNAPSHOT_COST_PER_HEAP_BYTE = 8;

/** The program's memory against what a heap snapshot would take from it now. */
export interface Headroom {
  heapUsed: number;
  /** What the program can still get: up to its memory limit (a container's cgroup), or what the machine has free. */
  available: number;
  /** Its limit leaves it less than the machine has free. */
  limited: boolean;
  /** What a snapshot would take, about. */
  needed: number;
}

// `process.availableMemory` (Node 20.13, 22) counts a cgroup's limit; before it, the machine's free memory.
const READ = `(() => {
  try {
    ${LOAD}
    const p = globalThis.process, free = load('node:os').freemem();
    const available = typeof p.availableMemory === 'function' ? p.availableMemory() : free;
    return { heapUsed: p.memoryUsage().heapUsed, available, free };
  } catch {
    return null;
  }
})()`;

/** Reads the program's memory, in the program (so also for a program on another machine); null if it cannot say. */
export async function readHeadroom(session: InspectorSession): Promise<Headroom | null> {
  const { result } = await session.send('Runtime.evaluate', { expression: READ, includeCommandLineAPI: true, silent: true, returnByValue: true });
  const read = result.value as { heapUsed: number; available: number; free: number } | null | undefined;
  if (!read || ![read.heapUsed, read.available, read.free].every(Number.isFinite)) return null;
  return { heapUsed: read.heapUsed, available: read.available, limited: read.available < read.free, needed: read.heapUsed * SNAPSHOT_COST_PER_HEAP_BYTE };
}

/** Why a snapshot now may take the program down (it cannot get the memory), or null when it fits. */
export function snapshotShortfall(headroom: Headroom, program: string): string | null {
  if (headroom.needed <= headroom.available) return null;
  const where = headroom.limited ? 'under its memory limit' : 'free on its machine';
  return (
    `${program} uses ${formatBytes(headroom.heapUsed)} of heap; V8 needs about ${formatBytes(headroom.needed)} more in the program to write a snapshot, ` +
    `but only ${formatBytes(headroom.available)} is ${where}. The program may be killed for lack of memory.`
  );
}

/**
 * The limit the program's post-GC heap grows against: its old generation's. V8's
 * heap_size_limit also counts the young generation, which is nearly empty after a GC and
 * 48 MB on 64-bit Node: under `--max-old-space-size=96` the program runs out of heap near
 * 96 MB, not the 144 MB heap_size_limit says. The flag, when given (on the command line or in
 * NODE_OPTIONS; the last one counts), is that limit; else heap_size_limit, where the young
 * generation is a few percent of it (4 GB and more by default).
 */
const HEAP_LIMIT = `(() => {
  try {
    ${LOAD}
    const p = globalThis.process;
    let old = null;
    for (const arg of [...p.execArgv, ...String(p.env.NODE_OPTIONS ?? '').split(/\\s+/)]) {
      const m = /^--max[-_]old[-_]space[-_]size=(\\d+)$/.exec(arg);
      if (m) old = Number(m[1]) * 1048576;
    }
    return old ?? load('node:v8').getHeapStatistics().heap_size_limit;
  } catch {
    return null;
  }
})()`;

/** The program's heap limit (see HEAP_LIMIT), in bytes; null if it cannot say. */
export async function readHeapLimit(session: InspectorSession): Promise<number | null> {
  const { result } = await session.send('Runtime.evaluate', { expression: HEAP_LIMIT, includeCommandLineAPI: true, silent: true, returnByValue: true });
  return typeof result.value === 'number' && result.value > 0 ? result.value : null;
}

/** Reads the program's memory now and says why a snapshot would not fit; null when it fits or cannot be told (the capture then meets the same failure and reports it). */
export async function snapshotShortfallNow(session: InspectorSession, program: string): Promise<string | null> {
  const headroom = await readHeadroom(session).catch(() => null);
  return headroom && snapshotShortfall(headroom, program);
}
