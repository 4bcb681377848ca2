// The worker entry: a thin parentPort shim over the engine, so the host stays responsive.
import { statSync } from 'node:fs';
import { freemem } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { asLeakscopeError, LeakscopeError, polledSignal } from '../common/errors.ts';
import { Logger, logLine, LogLevel } from '../common/logger.ts';
import { SnapshotFormatError } from '../snapshot/format.ts';
import { assemble } from '../snapshot/assemble.ts';
import { withPath } from '../snapshot/file-access.ts';
import { SnapshotParser } from '../snapshot/sections.ts';
import { AnalyzeOptions, SnapshotSeries } from './analyze.ts';
import { FromWorker, MethodName, OkReply, StreamMessage, ToWorker, WorkerData, WorkerError, WorkerMethods } from './protocol.ts';
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
    throw new LeakscopeError(
      'memory',
      `analysing a ${formatBytes(largest)} snapshot needs about ${formatBytes(needed)} of memory, but only ${formatBytes(available)} is available` +
        (available === budget ? ' (raise the limit with --max-memory)' : ' (close other programs)'),
    );
  }
}

function toError(error: unknown): WorkerError {
  const known = asLeakscopeError(error);
  if (known.kind === 'memory' && known !== error) return { kind: 'memory', message: `out of memory while analysing: ${known.message}` };
  // A bug's stack travels to the host's log.
  if (known.kind === 'internal') return { kind: 'internal', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  return { kind: known.kind, message: known.message };
}

/** Log lines go to the host, which writes them where its user looks. */
const log = (level: LogLevel) => (message: string, error?: unknown) => send({ type: 'log', level, message: logLine(message, error) });
const logger: Logger = { info: log('info'), warn: log('warn'), error: log('error') };

/** The snapshots analysed so far: their digests, and the newest graph (one at most in memory). */
const series = new SnapshotSeries(logger);

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

type Handlers = { [M in MethodName]: (params: WorkerMethods[M]['params'], options: AnalyzeOptions) => Promise<WorkerMethods[M]['result']> };

const handlers: Handlers = {
  analyze: async ({ files, top, knownOrder }, options) => {
    checkMemory(files);
    return series.analyze(files, { ...options, top, knownOrder });
  },
  objects: async ({ file, className, limit }, options) => {
    checkMemory([file]);
    return (await series.explore(file, options)).objectsOfClass(className, limit);
  },
  children: async ({ file, nodeId, limit }, options) => {
    checkMemory([file]);
    return (await series.explore(file, options)).dominatedBy(nodeId, limit);
  },
  streamEnd: async ({ stream, file }, options) => {
    const streamed = streams.get(stream);
    streams.delete(stream);
    if (!streamed) throw new SnapshotFormatError(`${file}: no bytes of it reached the analysis`);
    const raw = withPath(file, () => {
      if (streamed.failure) throw streamed.failure;
      return assemble(streamed.parser.sections());
    });
    await series.add(file, raw, options);
    return { nodeCount: raw.nodeCount, edgeCount: raw.edgeCount };
  },
};

async function run<M extends MethodName>(id: number, method: M, params: WorkerMethods[M]['params']): Promise<void> {
  const options: AnalyzeOptions = {
    onProgress: (progress) => send({ type: 'progress', id, progress }),
    signal: polledSignal(() => Atomics.load(cancelSlot, 0) === id),
  };
  try {
    const reply: OkReply<M> = { type: 'reply', id, method, ok: await handlers[method](params, options) };
    send(reply);
  } catch (error) {
    send({ type: 'reply', id, err: toError(error) });
  }
}

// Requests one at a time, in order: a second graph must not be built beside the first.
// Stream bytes are read as they come, between the steps of a request.
let queue = Promise.resolve();
port.on('message', (message: ToWorker) => {
  if (message.type === 'stream') onStream(message);
  else queue = queue.then(() => run(message.id, message.method, message.params));
});
