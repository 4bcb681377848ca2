// Messages between the analysis worker and whoever hosts it (the CLI, the extension host).
// Every request has an id; every reply names its method and is {ok} with that method's
// result, or {err}; progress events carry the request id; log lines go to the host's logger.
import type { ErrorKind } from '../common/errors.ts';
import type { LogLevel } from '../common/logger.ts';
import type { AnalysisProgress } from './analyze.ts';
import type { AnalysisReport, ObjectRow } from './report.ts';

export interface WorkerMethods {
  /** Snapshots of one process, oldest first. The worker keeps the newest graph for the two questions below. */
  analyze: { params: { files: string[]; top?: number; knownOrder?: boolean }; result: AnalysisReport };
  /** The biggest objects of a class in a snapshot. */
  objects: { params: { file: string; className: string; limit: number }; result: ObjectRow[] };
  /** The objects that one object alone keeps alive (its dominator-tree children). */
  children: { params: { file: string; nodeId: number; limit: number }; result: ObjectRow[] };
  /**
   * The capture of a streamed snapshot (see StreamMessage) ended, and its file is complete:
   * the reply comes once its graph and digest are built, so that `analyze` with it reads
   * nothing again.
   */
  streamEnd: { params: { stream: number }; result: { nodeCount: number; edgeCount: number } };
}
export type MethodName = keyof WorkerMethods;

export interface WorkerData {
  /** Int32 slot: the id of the request the host wants cancelled. Shared, because a busy worker reads no messages. */
  cancel: SharedArrayBuffer;
  /** Memory the analysis may plan to use, in MB. */
  memoryBudgetMb: number;
}

export interface WorkerError {
  kind: ErrorKind;
  message: string;
}

export type RequestMessage = { [M in MethodName]: { type: 'request'; id: number; method: M; params: WorkerMethods[M]['params'] } }[MethodName];

/**
 * A snapshot on its way to `file` while it is captured: its bytes in order, as the capture
 * receives them, read by the worker as they come (not queued behind a request). Its graph is
 * built as soon as the last byte is read, before the capture has ended; `streamEnd` says the
 * file is complete, or `abort` drops it.
 */
export type StreamMessage = { type: 'stream'; stream: number } & ({ open: string } | { chunk: Uint8Array } | { abort: true });

export type ToWorker = RequestMessage | StreamMessage;

/** A method's result, tied to its method. */
export interface OkReply<M extends MethodName = MethodName> {
  type: 'reply';
  id: number;
  method: M;
  ok: WorkerMethods[M]['result'];
}

export type FromWorker =
  | { type: 'progress'; id: number; progress: AnalysisProgress }
  | { type: 'log'; level: LogLevel; message: string }
  | OkReply
  | { type: 'reply'; id: number; err: WorkerError };
