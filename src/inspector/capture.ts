import { randomBytes } from 'node:crypto';
import { createWriteStream, renameSync, rmSync, WriteStream } from 'node:fs';
import { open, FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import { resolve } from 'node:path';
import type { ProtocolMapping } from 'devtools-protocol/types/protocol-mapping.js';
import { CancelledError, LeakscopeError } from '../common/errors.ts';
import { LOAD } from './in-program.ts';
import { DisconnectedError, InspectorSession } from './session.ts';

/** A capture that failed: the program could not write it ('input'), or went away ('disconnected'). */
export class CaptureError extends LeakscopeError {
  override name = 'CaptureError';
  constructor(message: string, kind: 'input' | 'disconnected' = 'input') {
    super(kind, message);
  }
}

export interface CaptureOptions {
  /**
   * Progress. Streamed: V8's progress while it walks the heap, objects done of total.
   * Written by the program: V8 reports nothing (`v8.writeHeapSnapshot` takes no progress
   * callback); `done` is the bytes written so far and `total` an estimate of the file's size
   * (the previous snapshot's, or from the heap's size), raised as the file passes it. Bytes
   * only appear once the walk is done (after most of the capture's time), so expect
   * nothing, then a quick rise.
   */
  onProgress?: (done: number, total: number) => void;
  /**
   * The file's bytes, in order, as they become available (to parse the snapshot while it is
   * captured): every chunk V8 sends, or what the program has appended to the file since the
   * last look. Together exactly the bytes of the finished file. The array is the caller's to
   * read, not to change, and only during the call. A throw fails the capture.
   */
  onChunk?: (bytes: Uint8Array) => void;
  signal?: AbortSignal;
}

/**
 * How a snapshot reaches the disk. 'stream': V8 sends it over the inspector in chunks and we
 * write them. 'write': the program writes the file itself with `v8.writeHeapSnapshot`
 * (started through Runtime.evaluate) and we read it as it grows.
 */
export type CaptureMethod = 'stream' | 'write';

export interface SnapshotterOptions {
  /**
   * 'auto' (the default): 'write' when, for this capture, the program is shown to be a
   * process of this machine that reads back what we put in the file (see `canWrite`), else
   * 'stream'. Forcing 'write' fails a capture that cannot be written that way.
   */
  method?: 'auto' | CaptureMethod;
  /**
   * Whether the inspector is on this machine, if known (`isLoopbackInspector` of its URL).
   * false: always stream, without asking the program anything. Whatever the URL says, the
   * program must still pass the check: a debugger's proxy on 127.0.0.1 may lead anywhere.
   */
  local?: boolean;
}

/** Whether an inspector's URL (ws://host:port/…) or host names this machine's loopback. */
export function isLoopbackInspector(url: string): boolean {
  let host: string;
  try {
    host = new URL(url.includes('://') ? url : `ws://${url}`).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const EXITED = 'the program exited during the heap snapshot; no snapshot was written';
/** How often the growing file is read while the program writes it. */
const TAIL_MS = 50;
/** Snapshot bytes per byte of used heap, for the first estimate of a written snapshot's size. */
const BYTES_PER_HEAP_BYTE = 1.6;

/** Returns the program's pid if it can write `file` and reads `nonce` in it; otherwise null. */
const PROBE = (file: string, nonce: string) => `(() => {
  try {
    ${LOAD}
    const p = globalThis.process, fs = load('node:fs');
    if (typeof load('node:v8').writeHeapSnapshot !== 'function') return null;
    if (p.permission && !(p.permission.has('fs.read', ${JSON.stringify(file)}) && p.permission.has('fs.write', ${JSON.stringify(file)}))) return null;
    fs.accessSync(${JSON.stringify(file)}, fs.constants.R_OK | fs.constants.W_OK);
    return fs.readFileSync(${JSON.stringify(file)}, 'latin1') === ${JSON.stringify(nonce)} ? { pid: p.pid, heapUsed: p.memoryUsage().heapUsed } : null;
  } catch {
    return null;
  }
})()`;

const WRITE = (file: string) => `(() => {
  ${LOAD}
  load('node:v8').writeHeapSnapshot(${JSON.stringify(file)});
  return true;
})()`;

/**
 * Takes heap snapshots of one process. The HeapProfiler stays enabled for the whole
 * series, so V8 keeps its object ids and snapshots can be compared object by object. Both
 * methods take the snapshot through the same V8 HeapProfiler, so ids stay comparable
 * whichever method took each snapshot of a series.
 */
export class HeapSnapshotter {
  private prepared = false;
  private busy: Promise<unknown> = Promise.resolve();
  private lastSize = 0;
  private used: CaptureMethod | null = null;

  constructor(
    private readonly session: InspectorSession,
    private readonly options: SnapshotterOptions = {},
  ) {}

  /** How the last successful capture reached the disk (null before the first). */
  get lastMethod(): CaptureMethod | null {
    return this.used;
  }

  /**
   * Captures a snapshot to `path`, chunk by chunk: never the whole snapshot in memory, here
   * or (written by the program) there. It is written to `path.partial`, mode 0600, and
   * renamed when complete; on failure or cancel the partial file is removed and nothing is
   * left at `path`.
   */
  capture(path: string, options: CaptureOptions = {}): Promise<string> {
    // One at a time: V8 interleaves nothing, and a cancelled capture still runs to its end there.
    const run = this.busy.then(() => this.captureNow(path, options));
    this.busy = run.catch(() => {}).then(() => this.settling);
    return run;
  }

  /** A cancelled write still runs in the program; its cleanup when it ends. */
  private settling: Promise<unknown> = Promise.resolve();

  private async prepare(): Promise<void> {
    if (this.prepared) return;
    await this.session.send('HeapProfiler.enable');
    // Node 20's V8 looks up every function's line while writing a snapshot, rescanning a
    // script's source each time unless its line table exists: minutes for a 9 MB bundle.
    // Reporting scripts to a debugger builds those tables once. (v8.writeHeapSnapshot in the
    // program goes through the same V8 code, so this helps both methods.)
    await this.session.send('Debugger.enable', {});
    await this.session.send('Debugger.disable');
    this.prepared = true;
  }

  private async captureNow(path: string, options: CaptureOptions): Promise<string> {
    if (options.signal?.aborted) throw new CancelledError();
    const partial = `${resolve(path)}.partial`;
    const watch = new Interruption(this.session, options.signal);
    let file: FileHandle | null = null;
    try {
      await watch.race(this.prepare());
      rmSync(partial, { force: true });
      // Created here, 0600 from the start: the program's write (O_TRUNC) keeps the mode.
      file = await open(partial, 'wx+', 0o600);
      const written = await this.canWrite(file, partial, watch);
      // No collection of ours first: V8 collects all garbage itself before it walks the heap
      // (two full GCs, on Node 20 to 26); one more only lengthened the program's pause.
      if (written) await this.write(file, partial, written.estimate, options, watch);
      else {
        await file.close();
        file = null;
        await this.stream(partial, options, watch);
      }
      await file?.close();
      file = null;
      renameSync(partial, path);
      this.used = written ? 'write' : 'stream';
      return path;
    } catch (error) {
      await file?.close().catch(() => {});
      rmSync(partial, { force: true });
      if (error instanceof DisconnectedError) throw new CaptureError(EXITED, 'disconnected');
      throw error instanceof LeakscopeError ? error : new CaptureError((error as Error).message);
    } finally {
      watch.dispose();
    }
  }

  /**
   * Whether the program can write this snapshot itself; if so, the first estimate of its size.
   * Safe only if the file it writes is the one we read and rename: the program reads back a
   * random nonce from `file`, and its pid is a process this machine runs.
   */
  private async canWrite(file: FileHandle, partial: string, watch: Interruption): Promise<{ estimate: number } | null> {
    const method = this.options.method ?? 'auto';
    if (method === 'stream' || (method === 'auto' && this.options.local === false)) return null;
    const nonce = randomBytes(16).toString('hex');
    await file.write(nonce, 0, 'latin1');
    const { result } = await watch.race(this.session.send('Runtime.evaluate', { expression: PROBE(partial, nonce), includeCommandLineAPI: true, silent: true, returnByValue: true }));
    const seen = result.value as { pid: number; heapUsed: number } | null | undefined;
    // V8 truncates the file when it opens it; truncated now, nothing of the nonce can be read as snapshot.
    await file.truncate(0);
    const ok = !!seen && typeof seen.pid === 'number' && processExists(seen.pid);
    if (!ok) {
      if (method === 'write') throw new CaptureError('the program cannot write the snapshot into this folder itself (not a process of this machine, or it cannot reach the file)');
      return null;
    }
    return { estimate: this.lastSize || Math.round(seen.heapUsed * BYTES_PER_HEAP_BYTE) };
  }

  private async stream(partial: string, { onProgress, onChunk }: CaptureOptions, watch: Interruption): Promise<void> {
    const out = createWriteStream(partial, { flags: 'w', mode: 0o600 });
    out.on('error', (error) => watch.fail(new CaptureError(`could not write ${partial}: ${error.message}`)));
    let bytes = 0;
    const unsubscribe = [
      this.session.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => {
        if (watch.failed) return;
        const data = Buffer.from(chunk, 'utf8');
        bytes += data.length;
        try {
          onChunk?.(data);
        } catch (error) {
          return watch.fail(asCaptureError(error));
        }
        out.write(data);
      }),
      this.session.on('HeapProfiler.reportHeapSnapshotProgress', ({ done, total }) => onProgress?.(done, total)),
    ];
    try {
      // A cancel or a dead target must not wait for V8 to finish walking the heap.
      await watch.race(this.session.send('HeapProfiler.takeHeapSnapshot', { reportProgress: true }));
      await watch.race(finish(out));
      this.lastSize = bytes;
    } finally {
      for (const off of unsubscribe) off();
      out.destroy();
    }
  }

  /**
   * The program writes the snapshot with `v8.writeHeapSnapshot`, which blocks it as
   * `takeHeapSnapshot` does, and sends no progress: we read the file as it grows.
   */
  private async write(file: FileHandle, partial: string, estimate: number, options: CaptureOptions, watch: Interruption): Promise<void> {
    const written = this.session.send('Runtime.evaluate', { expression: WRITE(partial), includeCommandLineAPI: true, silent: true, returnByValue: true });
    let settled = false;
    let abandoned = false;
    const cleanup = written.then(
      () => (settled = true),
      () => (settled = true),
    );
    // If we stop waiting (cancel, exit, a failure here), the program may still be writing: the
    // partial file is removed now, and again when the write ends, in case it began only later.
    this.settling = cleanup.then(() => {
      if (abandoned) rmSync(partial, { force: true });
    });
    try {
      await this.follow(file, written, () => settled, cleanup, estimate, options, watch);
    } catch (error) {
      abandoned = true;
      throw error;
    }
  }

  private async follow(
    file: FileHandle,
    written: Promise<ProtocolMapping.Commands['Runtime.evaluate']['returnType']>,
    settled: () => boolean,
    cleanup: Promise<unknown>,
    estimate: number,
    { onProgress, onChunk }: CaptureOptions,
    watch: Interruption,
  ): Promise<void> {
    let offset = 0;
    const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
    const drain = async () => {
      for (;;) {
        const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
        if (bytesRead === 0) return;
        offset += bytesRead;
        if (watch.failed) return;
        try {
          onChunk?.(buffer.subarray(0, bytesRead));
        } catch (error) {
          throw asCaptureError(error);
        }
      }
    };
    let total = estimate;
    while (!settled()) {
      await watch.race(Promise.race([cleanup, new Promise((r) => setTimeout(r, TAIL_MS))]));
      await drain();
      if (offset > 0 && !settled()) {
        total = Math.max(total, Math.ceil(offset * 1.05));
        onProgress?.(offset, total);
      }
    }
    const { exceptionDetails } = await watch.race(written);
    if (exceptionDetails) {
      const reason = exceptionDetails.exception?.description?.split('\n')[0] ?? exceptionDetails.text;
      throw new CaptureError(`the program could not write its heap snapshot: ${reason}`);
    }
    await drain();
    const { size } = await file.stat();
    if (size !== offset) throw new CaptureError(`read ${offset} bytes of the ${size} the program wrote`);
    onProgress?.(size, size);
    this.lastSize = size;
  }
}

/** What ends a capture early: a cancel, or the connection going (the program exited). */
class Interruption {
  private failure: Error | null = null;
  private reject!: (error: Error) => void;
  private readonly stopped = new Promise<never>((_, reject) => (this.reject = reject));
  private readonly offs: Array<() => void> = [];

  constructor(session: InspectorSession, signal: AbortSignal | undefined) {
    this.stopped.catch(() => {});
    this.offs.push(session.onDisconnect(() => this.fail(new CaptureError(EXITED, 'disconnected'))));
    if (signal) {
      const onAbort = () => this.fail(new CancelledError());
      signal.addEventListener('abort', onAbort, { once: true });
      this.offs.push(() => signal.removeEventListener('abort', onAbort));
    }
    if (session.isClosed) this.fail(new CaptureError(EXITED, 'disconnected'));
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.reject(error);
  }

  /** `work`, unless the capture is interrupted first; a lost connection reads as the program's exit. */
  async race<T>(work: Promise<T>): Promise<T> {
    // Work that loses to an interruption may still fail: the interruption is what is said.
    work.catch(() => {});
    if (this.failure) throw this.failure;
    try {
      return await Promise.race([work, this.stopped]);
    } catch (error) {
      throw this.failure ?? (error instanceof DisconnectedError ? new CaptureError(EXITED, 'disconnected') : error);
    }
  }

  dispose(): void {
    for (const off of this.offs) off();
  }
}

function asCaptureError(error: unknown): LeakscopeError {
  return error instanceof LeakscopeError ? error : new CaptureError((error as Error)?.message ?? String(error));
}

/** Whether `pid` is a process of this machine (signal 0 checks, sends nothing). */
function processExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function finish(out: WriteStream): Promise<void> {
  out.end();
  await once(out, 'close');
}
