// The graph's second thread. On a big heap whose columns are in shared memory, a snapshot
// worker counts each node's retainers and, once the graph's own thread has marked the
// essential edges, fills the retainer index and builds the dominator tree; once that thread
// has folded the shallow sizes too, the retained sizes and their sums by class. Meanwhile the
// graph's thread folds sizes, measures distances and starts the digest (work that needs the
// snapshot's strings, so it stays there).
import type { Worker } from 'node:worker_threads';
import { sharedMemory } from './columns.ts';
import { CancelledError } from '../common/errors.ts';
import {
  buildDominatorChildren,
  buildDominatorTree,
  ClassTable,
  classOf,
  countRetainers,
  EssentialInput,
  fillRetainers,
  markEssentialEdges,
  PassInput,
  retainedSizes,
  Retainers,
  sumRetainedByClass,
} from './graph-passes.ts';
import { startSnapshotWorker } from './worker-start.ts';

export interface GraphJob {
  kind: 'graph';
  input: PassInput;
  /** This thread marks the essential edges of nodes from `split` on, the graph's thread those before. */
  essential: EssentialInput;
  split: number;
  /** Shallow sizes, read once the graph's thread has folded them. */
  sizes: Uint32Array | Float64Array;
  /** Written by the graph's thread before it signals them ready. */
  essentialEdges: Uint32Array;
  retainers: Retainers;
  /** 8 × (nodes + 1) bytes lent by the graph's thread: work memory, then the retained sizes. */
  retained: Float64Array;
  nodeName: Uint32Array;
  classes: ClassTable;
  /** Where the retained sizes by class go, by class string index. */
  classRetained: Float64Array;
  /** [what the program owns is marked (1, or 2: it owns nothing), the graph's thread's essential edges marked, sizes folded, cancelled]. */
  signals: Int32Array;
}

export type GraphResult = { ok: true; dominator: Uint32Array } | { ok: false; kind: 'cancelled' | 'internal'; message: string };

const PAGE_OWNED = 0;
const ESSENTIAL_READY = 1;
const SIZES_READY = 2;
const CANCELLED = 3;
export const GRAPH_SIGNALS = 4;
/** PAGE_OWNED's value when the snapshot has no user roots. */
const OWNS_NOTHING = 2;

/** Waits for the graph's thread to signal `slot`; false when cancelled instead. */
function waitFor(signals: Int32Array, slot: number): boolean {
  while (Atomics.load(signals, slot) === 0 && Atomics.load(signals, CANCELLED) === 0) Atomics.wait(signals, slot, 0, 100);
  return Atomics.load(signals, CANCELLED) === 0;
}

const cancelled: GraphResult = { ok: false, kind: 'cancelled', message: 'cancelled' };

/** In the worker: the job's passes. */
export function runGraphJob(job: GraphJob): GraphResult {
  try {
    const { input, retainers, signals } = job;
    const { nodeCount, rootOrdinal } = input;
    const slots = nodeCount + 1;
    countRetainers(input, retainers);
    if (!waitFor(signals, PAGE_OWNED)) return cancelled;
    const essential = Atomics.load(signals, PAGE_OWNED) === OWNS_NOTHING ? { ...job.essential, pageOwned: null } : job.essential;
    markEssentialEdges(essential, job.split, nodeCount, job.essentialEdges);
    if (!waitFor(signals, ESSENTIAL_READY)) return cancelled;
    fillRetainers(input, job.essentialEdges, retainers, new Uint32Array(job.retained.buffer, job.retained.byteOffset, slots));
    if (Atomics.load(signals, CANCELLED) !== 0) return cancelled;
    const scratch = new Uint32Array(slots);
    const tree = buildDominatorTree(input, job.essentialEdges, retainers, scratch, job.retained.buffer, sharedMemory);
    if (!waitFor(signals, SIZES_READY)) return cancelled;
    const retained = job.retained.subarray(0, nodeCount);
    retainedSizes(tree, rootOrdinal, job.sizes, retained);
    // The tree downwards, in memory the dominators are done with, for the sums by class.
    buildDominatorChildren(tree.dominator, rootOrdinal, scratch, tree.order);
    const { nodeType } = input;
    const { nodeName, classes } = job;
    sumRetainedByClass({ rootOrdinal, first: scratch, list: tree.order, selfSize: job.sizes, retained }, (n) => classOf(classes, nodeType, nodeName, n), job.classRetained);
    return { ok: true, dominator: tree.dominator };
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
      worker.once('message', resolve);
      worker.once('error', (error) => resolve({ ok: false, kind: 'internal', message: error.stack ?? error.message }));
      worker.once('exit', (code) => resolve({ ok: false, kind: 'internal', message: `the graph's second thread stopped (exit ${code})` }));
    });
  }

  /** What the program owns is marked (`ownsSome`: it has user roots): the other half of the essential edges can be. */
  pageOwnedReady(ownsSome: boolean): void {
    this.signal(PAGE_OWNED, ownsSome ? 1 : OWNS_NOTHING);
  }

  /** This thread's half of the essential edges is marked: with the other, the retainers can be built. */
  essentialEdgesReady(): void {
    this.signal(ESSENTIAL_READY);
  }

  /** The shallow sizes are final: the retained sizes can be summed. */
  sizesReady(): void {
    this.signal(SIZES_READY);
  }

  /** The dominator tree, when the worker is done (the retained sizes are then in the job's array); throws what went wrong there. */
  async finished(): Promise<Uint32Array> {
    const result = await this.done;
    if (result.ok) return result.dominator;
    if (result.kind === 'cancelled') throw new CancelledError();
    throw new Error(result.message);
  }

  async stop(): Promise<void> {
    this.signal(CANCELLED);
    await this.worker.terminate();
  }

  private signal(slot: number, value = 1): void {
    Atomics.store(this.job.signals, slot, value);
    Atomics.notify(this.job.signals, slot);
  }
}
