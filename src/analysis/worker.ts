// The worker entry: a thin parentPort shim over the engine, so the host stays responsive.
import { statSync } from 'node:fs';
import { freemem } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { asLeakscopeError, LeakscopeError, polledSignal } from '../common/errors.ts';
import { Logger, logLine, LogLevel } from '../common/logger.ts';
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

/**
 * A snapshot streamed while it is captured: parsed as its bytes come, and built as soon as
 * the last one is read. The capture goes on for a while after that (V8 lets the snapshot
 * go, the program's GC runs, our probes wait for it): the build need not wait for its end.
 */
interface Streamed {
  file: string;
  parser: SnapshotParser;
  failure: unknown;
  built: Promise<WorkerMethods['streamEnd']['result']> | null;
  aborted: boolean;
  /** The `streamEnd` request, once it came: the build's progress and cancel are its. */
  ender: AnalyzeOptions | null;
}

const streams = new Map<number, Streamed>();

function onStream(message: StreamMessage): void {
  if ('open' in message) {
    streams.set(message.stream, { file: message.open, parser: new SnapshotParser(), failure: null, built: null, aborted: false, ender: null });
    return;
  }
  const stream = streams.get(message.stream);
  if (!stream) return;
  if ('abort' in message) {
    streams.delete(message.stream);
    stream.aborted = true;
    // What it built is of a file that never came.
    if (stream.built) void enqueue(async () => series.forget(stream.file));
    return;
  }
  if (stream.failure) return;
  try {
    stream.parser.feed(message.chunk);
  } catch (error) {
    // Even past the closing brace, once the build has begun: `streamEnd` says it.
    stream.failure = error;
    return;
  }
  if (!stream.built && stream.parser.complete) stream.built = build(stream);
}

/** Queues the build of a streamed snapshot's graph and digest (a truncated one fails, said by `streamEnd`). */
function build(stream: Streamed): Promise<WorkerMethods['streamEnd']['result']> {
  const built = enqueue(async () => {
    const raw = withPath(stream.file, () => {
      if (stream.failure) throw stream.failure;
      return assemble(stream.parser.sections());
    });
    await series.add(stream.file, raw, {
      onProgress: (progress) => stream.ender?.onProgress?.(progress),
      signal: polledSignal(() => stream.aborted || !!stream.ender?.signal?.aborted),
    });
    return { nodeCount: raw.nodeCount, edgeCount: raw.edgeCount };
  });
  // Said by `streamEnd`, or of no interest once the capture failed.
  built.catch(() => {});
  return built;
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
  streamEnd: async ({ stream: id }, options) => {
    const stream = streams.get(id);
    streams.delete(id);
    if (!stream) throw new LeakscopeError('internal', 'the analysis lost the bytes of this snapshot (its worker restarted during the capture)');
    stream.ender = options;
    const built = stream.built ?? build(stream);
    // After the build, in turn: no request after this one sees the snapshot unconfirmed.
    return enqueue(async () => {
      const counts = await built;
      if (stream.failure) {
        series.forget(stream.file);
        withPath(stream.file, () => {
          throw stream.failure;
        });
      }
      series.confirm(stream.file);
      return counts;
    });
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
let queue: Promise<unknown> = Promise.resolve();

function enqueue<T>(work: () => Promise<T>): Promise<T> {
  const done = queue.then(work);
  queue = done.catch(() => {});
  return done;
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'stream') onStream(message);
  // It queues its own work, after the build that may have begun before it came.
  else if (message.method === 'streamEnd') void run(message.id, message.method, message.params);
  else void enqueue(() => run(message.id, message.method, message.params));
});
