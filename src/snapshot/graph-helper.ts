// The graph's second thread. On a big heap whose columns are in shared memory, a snapshot
// worker folds owned arrays into their owners' sizes and counts each node's retainers, then,
// once the graph's own thread has marked the essential edges, fills the retainer index and
// builds the dominator tree and the retained sizes. Meanwhile the graph's thread measures
// distances and starts the digest (work that needs the snapshot's strings, so it stays there).
import type { Worker } from 'node:worker_threads';
import { sharedMemory } from './columns.ts';
import { CancelledError } from '../common/errors.ts';
import { buildDominatorTree, countRetainers, DominatorTree, fillRetainers, PassInput, Retainers, transferOwnedSizes } from './graph-passes.ts';
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
  /** 8 × (nodes + 1) bytes lent by the graph's thread: work memory, then the retained sizes. */
  retained: Float64Array;
  /** [essential edges ready, cancelled]. */
  signals: Int32Array;
}

/** The worker's messages: once when the sizes are folded, then its result. */
export type GraphMessage = { kind: 'sizes folded' } | GraphResult;
export type GraphResult = { ok: true; dominator: Uint32Array } | { ok: false; kind: 'cancelled' | 'internal'; message: string };

const READY = 0;
const CANCELLED = 1;

/** In the worker: the job's passes. `sizesFolded` is called as soon as the sizes may be read. */
export function runGraphJob(job: GraphJob, sizesFolded: () => void): GraphResult {
  try {
    const slots = job.input.nodeCount + 1;
    const work = new Uint32Array(job.retained.buffer, job.retained.byteOffset, 2 * slots);
    const owner = work.subarray(0, slots);
    if (job.foldSizes) transferOwnedSizes(job.input, job.sizes, owner, work.subarray(slots));
    sizesFolded();
    countRetainers(job.input, job.retainers);
    while (Atomics.load(job.signals, READY) === 0 && Atomics.load(job.signals, CANCELLED) === 0) Atomics.wait(job.signals, READY, 0, 100);
    if (Atomics.load(job.signals, CANCELLED) !== 0) return { ok: false, kind: 'cancelled', message: 'cancelled' };
    fillRetainers(job.input, job.essentialEdges, job.retainers, owner);
    if (Atomics.load(job.signals, CANCELLED) !== 0) return { ok: false, kind: 'cancelled', message: 'cancelled' };
    const tree = buildDominatorTree(job.input, job.essentialEdges, job.retainers, job.sizes, new Uint32Array(slots), job.retained.buffer, sharedMemory);
    return { ok: true, dominator: tree.dominator };
  } catch (error) {
    return { ok: false, kind: 'internal', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

/** On the graph's thread: the worker running a GraphJob. */
export class GraphHelper {
  private readonly worker: Worker;
  private readonly folded: Promise<GraphResult | null>;
  private readonly done: Promise<GraphResult>;

  constructor(private readonly job: GraphJob) {
    this.worker = startSnapshotWorker(job);
    const worker = this.worker;
    let folded!: (failure: GraphResult | null) => void;
    this.folded = new Promise((resolve) => (folded = resolve));
    this.done = new Promise<GraphResult>((resolve) => {
      const end = (result: GraphResult) => {
        folded(result);
        resolve(result);
      };
      worker.on('message', (message: GraphMessage) => ('ok' in message ? end(message) : folded(null)));
      worker.once('error', (error) => end({ ok: false, kind: 'internal', message: error.stack ?? error.message }));
      worker.once('exit', (code) => end({ ok: false, kind: 'internal', message: `the graph's second thread stopped (exit ${code})` }));
    });
  }

  /** The essential edges are marked: the retainers can be built. */
  essentialEdgesReady(): void {
    Atomics.store(this.job.signals, READY, 1);
    Atomics.notify(this.job.signals, READY);
  }

  /** Settles when the shallow sizes are final; throws what went wrong before. */
  async sizesFolded(): Promise<void> {
    const failure = await this.folded;
    if (failure) settle(failure);
  }

  /** The dominator tree and retained sizes, when the worker is done; throws what went wrong there. */
  async finished(): Promise<DominatorTree> {
    const result = settle(await this.done);
    return { dominator: result.dominator, retained: this.job.retained.subarray(0, this.job.input.nodeCount) };
  }

  async stop(): Promise<void> {
    Atomics.store(this.job.signals, CANCELLED, 1);
    Atomics.notify(this.job.signals, READY);
    await this.worker.terminate();
  }
}

function settle(result: GraphResult): { ok: true; dominator: Uint32Array } {
  if (result.ok) return result;
  if (result.kind === 'cancelled') throw new CancelledError();
  throw new Error(result.message);
}
