import { closeSync, fstatSync } from 'node:fs';
import { assemble } from './assemble.ts';
import { openSnapshot, readAt, withPath } from './file-access.ts';
import { throwIfCancelled } from '../common/errors.ts';
import { RawSnapshot } from './format.ts';
import { findLayout, readInParallel } from './parallel-read.ts';
import { SnapshotParser } from './sections.ts';

/** Below this, starting two threads costs more than it saves. */
const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;

export interface ParseOptions {
  /** Called after each chunk with bytes read so far and the file size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Checked between chunks: the parse stops with CancelledError. */
  signal?: AbortSignal;
  /** Bytes read at a time; also what each section worker claims at a time. */
  chunkSize?: number;
  /** Read the nodes and edges on two more threads where the file allows (default: when it is big enough). */
  parallel?: boolean;
}

/**
 * Reads a .heapsnapshot file: a big one laid out as V8 writes it on three threads (see
 * parallel-read.ts), anything else chunk by chunk on this one.
 */
export async function readSnapshotFile(path: string, options: ParseOptions = {}): Promise<RawSnapshot> {
  const fd = openSnapshot(path);
  try {
    const size = fstatSync(fd).size;
    const layout = (options.parallel ?? size >= PARALLEL_MIN_BYTES) ? withPath(path, () => findLayout(path, fd, size)) : null;
    if (!layout) return parseOpenFile(path, fd, size, options);
    const sections = await withPathAsync(path, () =>
      readInParallel(path, fd, size, layout, {
        signal: options.signal,
        onProgress: (read) => options.onProgress?.(Math.min(read, size), size),
        blockBytes: options.chunkSize,
      }),
    );
    return withPath(path, () => assemble(sections));
  } finally {
    closeSync(fd);
  }
}

async function withPathAsync<T>(path: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    return withPath(path, () => {
      throw error;
    });
  }
}

/** Parses an open file chunk by chunk, on this thread. */
function parseOpenFile(path: string, fd: number, size: number, options: ParseOptions): RawSnapshot {
  const parser = new SnapshotParser();
  const chunk = Buffer.allocUnsafe(options.chunkSize ?? 4 * 1024 * 1024);
  for (let position = 0; ; ) {
    throwIfCancelled(options.signal);
    const n = readAt(path, fd, chunk, position);
    if (n === 0) break;
    position += n;
    withPath(path, () => parser.feed(n === chunk.length ? chunk : chunk.subarray(0, n)));
    options.onProgress?.(parser.bytesRead, size);
  }
  return withPath(path, () => assemble(parser.sections()));
}

/** Parses a whole snapshot held in memory (tests, small CDP captures). */
export function parseSnapshotBuffer(bytes: Uint8Array): RawSnapshot {
  const parser = new SnapshotParser();
  parser.feed(bytes);
  return assemble(parser.sections());
}

