// The worker entry: a thin parentPort shim over the engine, so the host stays responsive.
import { statSync } from 'node:fs';
import { freemem } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { CancelledError, SnapshotFormatError } from '../snapshot/format.ts';
import { analyzeSnapshots } from './analyze.ts';
import { HeapExplorer, openExplorer } from './explore.ts';
import { FromWorker, ToWorker, WorkerData, WorkerError } from './protocol.ts';
import { formatBytes } from '../present/units.ts';

const data = workerData as WorkerData;
const cancelSlot = new Int32Array(data.cancel);
const port = parentPort!;

/** Typed arrays and strings of a parsed snapshot take about this much per byte of file. */
const MEMORY_PER_FILE_BYTE = 2.2;

function send(message: FromWorker): void {
  port.postMessage(message);
}

function checkMemory(files: string[]): void {
  const largest = Math.max(...files.map((f) => statSync(f, { throwIfNoEntry: false })?.size ?? 0));
  const needed = largest * MEMORY_PER_FILE_BYTE;
  const budget = data.memoryBudgetMb * 1024 * 1024;
  const available = Math.min(budget, freemem());
  if (needed > available) {
    throw new MemoryError(
      `analysing a ${formatBytes(largest)} snapshot needs about ${formatBytes(needed)} of memory, but only ${formatBytes(available)} is available` +
        (available === budget ? ' (raise the limit with --max-memory)' : ' (close other programs)'),
    );
  }
}

class MemoryError extends Error {}

function toError(error: unknown): WorkerError {
  if (error instanceof CancelledError) return { kind: 'cancelled', message: 'cancelled' };
  if (error instanceof SnapshotFormatError) return { kind: 'input', message: error.message };
  if (error instanceof MemoryError) return { kind: 'memory', message: error.message };
  if (error instanceof RangeError && /allocation failed|Array buffer allocation/i.test(error.message)) {
    return { kind: 'memory', message: `out of memory while analysing: ${error.message}` };
  }
  return { kind: 'internal', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
}

/** The newest snapshot last analysed or opened: one graph at most stays in memory. */
let explorer: HeapExplorer | null = null;

async function explore(file: string, id: number): Promise<HeapExplorer> {
  if (explorer?.file === file) return explorer;
  explorer = null;
  checkMemory([file]);
  explorer = await openExplorer(file, { onProgress: (progress) => send({ type: 'progress', id, progress }), isCancelled: () => Atomics.load(cancelSlot, 0) === id });
  return explorer;
}

async function handle(message: ToWorker): Promise<void> {
  const { id } = message;
  try {
    switch (message.method) {
      case 'analyze': {
        explorer = null;
        checkMemory(message.params.files);
        const report = await analyzeSnapshots(message.params.files, {
          top: message.params.top,
          onProgress: (progress) => send({ type: 'progress', id, progress }),
          isCancelled: () => Atomics.load(cancelSlot, 0) === id,
          keep: (kept) => (explorer = kept),
        });
        send({ type: 'reply', id, ok: report });
        break;
      }
      case 'objects': {
        const { file, className, limit } = message.params;
        send({ type: 'reply', id, ok: (await explore(file, id)).objectsOfClass(className, limit) });
        break;
      }
      case 'children': {
        const { file, nodeId, limit } = message.params;
        send({ type: 'reply', id, ok: (await explore(file, id)).dominatedBy(nodeId, limit) });
        break;
      }
    }
  } catch (error) {
    send({ type: 'reply', id, err: toError(error) });
  }
}

// One request at a time, in order: reading a snapshot awaits its section workers, and a
// second graph must not be built beside the first.
let queue = Promise.resolve();
port.on('message', (message: ToWorker) => {
  queue = queue.then(() => handle(message));
});
