import { totalmem } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CancelledError, LeakscopeError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import type { AnalysisProgress } from './analyze.ts';
import { FromWorker, MethodName, OkReply, StreamMessage, WorkerData, WorkerError, WorkerMethods } from './protocol.ts';

const MIN_HEAP_MB = 256;

/** A request waiting for its reply, which must be of its method. */
interface Pending {
  settle(reply: OkReply | { err: WorkerError }): void;
  onProgress?: (progress: AnalysisProgress) => void;
}

export interface RequestOptions {
  onProgress?: (progress: AnalysisProgress) => void;
  signal?: AbortSignal;
}

/** A snapshot's bytes on their way to the worker while it is captured. */
export interface SnapshotStream {
  write(bytes: Uint8Array): void;
  /** The capture is complete, its file in place: resolves once the graph and digest are built. */
  end(options?: RequestOptions): Promise<WorkerMethods['streamEnd']['result']>;
  /** The capture failed: the worker drops what it read. */
  abort(): void;
}

export interface ClientOptions {
  /** The built worker script (dist/worker.js). */
  workerPath: string;
  /** Where the worker's log lines and its crashes go. */
  logger: Logger;
  /** Memory the analysis may use, in MB; default three quarters of the machine's. */
  memoryBudgetMb?: number;
}

/**
 * The host's side of the analysis worker. If the worker dies (out of memory, a crash),
 * pending requests fail with a clear error and the next request starts a fresh worker.
 */
export class AnalysisClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private nextStream = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly cancel = new SharedArrayBuffer(4);
  private budgetMb: number;
  /** A new budget waits for the worker to be idle: it applies from the next worker on. */
  private restartWhenIdle = false;

  constructor(private readonly options: ClientOptions) {
    this.budgetMb = budgetOf(options.memoryBudgetMb);
  }

  /** From the next request on (a busy worker finishes first, under the old budget). */
  setMemoryBudget(memoryBudgetMb: number | undefined): void {
    this.budgetMb = budgetOf(memoryBudgetMb);
    this.restartWhenIdle = this.worker !== null;
    this.restartIfIdle();
  }

  private restartIfIdle(): void {
    if (!this.restartWhenIdle || this.pending.size > 0) return;
    this.restartWhenIdle = false;
    const worker = this.worker;
    this.worker = null;
    void worker?.terminate();
  }

  request<M extends MethodName>(method: M, params: WorkerMethods[M]['params'], options: RequestOptions = {}): Promise<WorkerMethods[M]['result']> {
    const id = this.nextId++;
    const worker = this.ensureWorker();
    return new Promise<WorkerMethods[M]['result']>((resolve, reject) => {
      if (options.signal?.aborted) return reject(new CancelledError());
      options.signal?.addEventListener('abort', () => Atomics.store(new Int32Array(this.cancel), 0, id), { once: true });
      const settle = (reply: OkReply | { err: WorkerError }) => {
        if ('err' in reply) reject(reply.err.kind === 'cancelled' ? new CancelledError() : new LeakscopeError(reply.err.kind, reply.err.message));
        else if (isReplyOf(method, reply)) resolve(reply.ok);
        else reject(new LeakscopeError('internal', `the worker answered ${method} as ${reply.method}`));
      };
      this.pending.set(id, { settle, onProgress: options.onProgress });
      // Keep the host alive while work is pending, and only then.
      worker.ref();
      worker.postMessage({ type: 'request', id, method, params });
    });
  }

  /** A snapshot to be captured to `file`, read by the worker as it arrives. */
  openStream(file: string): SnapshotStream {
    const stream = this.nextStream++;
    const post = (message: StreamMessage, transfer: ArrayBuffer[] = []) => this.ensureWorker().postMessage(message, transfer);
    post({ type: 'stream', stream, open: file });
    return {
      write: (bytes) => {
        // A copy of its own, moved rather than cloned: the caller may reuse its buffer.
        const chunk = new Uint8Array(bytes);
        post({ type: 'stream', stream, chunk }, [chunk.buffer]);
      },
      end: (options) => this.request('streamEnd', { stream }, options),
      abort: () => post({ type: 'stream', stream, abort: true }),
    };
  }

  async dispose(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.failAll({ kind: 'cancelled', message: 'cancelled' });
    await worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const data: WorkerData = { cancel: this.cancel, memoryBudgetMb: this.budgetMb };
    const worker = new Worker(this.options.workerPath, {
      workerData: data,
      // The budget covers typed arrays too, which live outside the JS heap; the heap alone
      // gets the whole budget, but never so little that the worker cannot start.
      // A roomier young generation: parsing makes millions of short strings, and the
      // default one spends seconds in scavenges on a big snapshot.
      resourceLimits: { maxOldGenerationSizeMb: Math.max(this.budgetMb, MIN_HEAP_MB), maxYoungGenerationSizeMb: 96 },
    });
    worker.unref();
    worker.on('message', (message: FromWorker) => this.onMessage(message));
    // A worker let go on purpose (dispose, a new budget) fails nothing of its successor's.
    worker.on('error', (error: Error & { code?: string }) => {
      if (this.worker !== worker) return;
      this.worker = null;
      const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory/i.test(error.message);
      this.options.logger.error('the analysis worker failed', error);
      this.failAll(
        outOfMemory
          ? { kind: 'memory', message: `the analysis ran out of memory (budget ${this.budgetMb} MB): close other programs, or raise the budget` }
          : { kind: 'internal', message: `the analysis worker crashed: ${error.message}` },
      );
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = null;
      if (this.pending.size) this.failAll({ kind: 'internal', message: `the analysis worker stopped (exit code ${code})` });
    });
    this.worker = worker;
    return worker;
  }

  private onMessage(message: FromWorker): void {
    if (message.type === 'log') return this.options.logger[message.level](`analysis: ${message.message}`);
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.type === 'progress') {
      pending.onProgress?.(message.progress);
      return;
    }
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.worker?.unref();
    this.restartIfIdle();
    if ('err' in message && message.err.kind === 'internal') this.options.logger.error(`analysis failed: ${message.err.message}`);
    pending.settle(message);
  }

  private failAll(err: WorkerError): void {
    for (const pending of this.pending.values()) pending.settle({ err });
    this.pending.clear();
  }
}

function budgetOf(memoryBudgetMb: number | undefined): number {
  return memoryBudgetMb ?? Math.floor((totalmem() / 1024 / 1024) * 0.75);
}

function isReplyOf<M extends MethodName>(method: M, reply: OkReply): reply is OkReply<M> {
  return reply.method === method;
}
