// The graph's second thread. On a big heap whose columns are in shared memory, a snapshot
// worker folds owned arrays into their owners' sizes and then, once the graph's own thread
// has marked the essential edges, builds the retainer index; meanwhile the graph's thread
// measures distances (which need the snapshot's strings, so they stay there).
import type { Worker } from 'node:worker_threads';
import { CancelledError } from './format.ts';
import { buildRetainers, PassInput, Retainers, transferOwnedSizes } from './graph-passes.ts';
import { startSnapshotWorker } from './worker-start.ts';

export interface GraphJob {
  kind: 'graph';
  input: PassInput;
  /** Shallow sizes, folded in place when `foldSizes`. */
  sizes: Uint32Array | Float64Array;
  foldSizes: boolean;
  /** Written by the graph's thread before it signals them ready. */
  essentialEdges: Uint32Array;
  retainers: Retainers;
  /** 2 × (nodes + 1) work slots, lent by the graph's thread (memory it needs only afterwards). */
  work: Uint32Array;
  /** [essential edges ready, cancelled]. */
  signals: Int32Array;
}

export type GraphResult = { ok: true } | { ok: false; kind: 'cancelled' | 'internal'; message: string };

const READY = 0;
const CANCELLED = 1;

/** In the worker: the job's two passes. */
export function runGraphJob(job: GraphJob): GraphResult {
  try {
    const slots = job.input.nodeCount + 1;
    const owner = job.work.subarray(0, slots);
    const stack = job.work.subarray(slots, 2 * slots);
    if (job.foldSizes) transferOwnedSizes(job.input, job.sizes, owner, stack);
    while (Atomics.load(job.signals, READY) === 0 && Atomics.load(job.signals, CANCELLED) === 0) Atomics.wait(job.signals, READY, 0, 100);
    if (Atomics.load(job.signals, CANCELLED) !== 0) return { ok: false, kind: 'cancelled', message: 'cancelled' };
    buildRetainers(job.input, job.essentialEdges, job.retainers, owner);
    return { ok: true };
  } catch (error) {
    return { ok: false, kind: 'internal', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

/** On the graph's thread: the worker running a GraphJob. */
export class GraphHelper {
  private readonly worker: Worker;
  private readonly done: Promise<GraphResult>;

  constructor(private readonly job: GraphJob) {
    this.worker = startSnapshotWorker(job);
    const worker = this.worker;
    this.done = new Promise<GraphResult>((resolve) => {
      worker.once('message', (message: GraphResult) => resolve(message));
      worker.once('error', (error) => resolve({ ok: false, kind: 'internal', message: error.stack ?? error.message }));
      worker.once('exit', (code) => resolve({ ok: false, kind: 'internal', message: `the graph's second thread stopped (exit ${code})` }));
    });
  }

  /** The essential edges are marked: the retainers can be built. */
  essentialEdgesReady(): void {
    Atomics.store(this.job.signals, READY, 1);
    Atomics.notify(this.job.signals, READY);
  }

  /** Settles when both passes are done; throws what went wrong there. */
  async finished(): Promise<void> {
    const result = await this.done;
    if (result.ok) return;
    if (result.kind === 'cancelled') throw new CancelledError();
    throw new Error(result.message);
  }

  async stop(): Promise<void> {
    Atomics.store(this.job.signals, CANCELLED, 1);
    Atomics.notify(this.job.signals, READY);
    await this.worker.terminate();
  }
}
