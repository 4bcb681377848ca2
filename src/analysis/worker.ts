// The worker entry: a thin parentPort shim over the engine, so the host stays responsive.
import { statSync } from 'node:fs';
import { freemem } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { CancelledError, SnapshotFormatError } from '../snapshot/format.ts';
import { assemble } from '../snapshot/assemble.ts';
import { withPath } from '../snapshot/file-access.ts';
import { SnapshotParser } from '../snapshot/sections.ts';
import { SnapshotSeries } from './analyze.ts';
import { FromWorker, RequestMessage, StreamMessage, ToWorker, WorkerData, WorkerError } from './protocol.ts';
import { formatBytes } from '../present/units.ts';
import type { AnalysisProgress } from './analyze.ts';

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

/** The snapshots analysed so far: their digests, and the newest graph (one at most in memory). */
const series = new SnapshotSeries();

/** Snapshots being streamed: their parser, or why their bytes could not be read. */
const streams = new Map<number, { parser: SnapshotParser; failure: unknown }>();

function onStream(message: StreamMessage): void {
  let stream = streams.get(message.stream);
  if ('abort' in message) {
    streams.delete(message.stream);
    return;
  }
  if (!stream) streams.set(message.stream, (stream = { parser: new SnapshotParser(), failure: null }));
  if (stream.failure) return;
  try {
    stream.parser.feed(message.chunk);
  } catch (error) {
    stream.failure = error;
  }
}

async function handle(message: RequestMessage): Promise<void> {
  const { id } = message;
  const options = {
    onProgress: (progress: AnalysisProgress) => send({ type: 'progress', id, progress }),
    isCancelled: () => Atomics.load(cancelSlot, 0) === id,
  };
  try {
    switch (message.method) {
      case 'analyze': {
        checkMemory(message.params.files);
        send({ type: 'reply', id, ok: await series.analyze(message.params.files, { ...options, top: message.params.top }) });
        break;
      }
      case 'objects': {
        const { file, className, limit } = message.params;
        checkMemory([file]);
        send({ type: 'reply', id, ok: (await series.explore(file, options)).objectsOfClass(className, limit) });
        break;
      }
      case 'children': {
        const { file, nodeId, limit } = message.params;
        checkMemory([file]);
        send({ type: 'reply', id, ok: (await series.explore(file, options)).dominatedBy(nodeId, limit) });
        break;
      }
      case 'streamEnd': {
        const { stream, file } = message.params;
        const streamed = streams.get(stream);
        streams.delete(stream);
        if (!streamed) throw new SnapshotFormatError(`${file}: no bytes of it reached the analysis`);
        const raw = withPath(file, () => {
          if (streamed.failure) throw streamed.failure;
          return assemble(streamed.parser.sections());
        });
        await series.add(file, raw, options);
        send({ type: 'reply', id, ok: { nodeCount: raw.nodeCount, edgeCount: raw.edgeCount } });
        break;
      }
    }
  } catch (error) {
    send({ type: 'reply', id, err: toError(error) });
  }
}

// Requests one at a time, in order: a second graph must not be built beside the first.
// Stream bytes are read as they come, between the steps of a request.
let queue = Promise.resolve();
port.on('message', (message: ToWorker) => {
  if (message.type === 'stream') onStream(message);
  else queue = queue.then(() => handle(message));
});
