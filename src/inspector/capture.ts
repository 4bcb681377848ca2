import { createWriteStream, renameSync, rmSync, WriteStream } from 'node:fs';
import { once } from 'node:events';
import { DisconnectedError, InspectorSession } from './session.ts';

export class CaptureError extends Error {
  override readonly name = 'CaptureError';
}

export interface CaptureOptions {
  /** V8's progress while it walks the heap: objects done of total. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Takes heap snapshots of one process. The HeapProfiler stays enabled for the whole
 * series, so V8 keeps its object ids and snapshots can be compared object by object.
 */
export class HeapSnapshotter {
  private prepared = false;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(private readonly session: InspectorSession) {}

  /**
   * Streams a snapshot to `path`, chunk by chunk: never the whole snapshot in memory. It is
   * written to `path.partial` and renamed when complete; on failure or cancel the partial
   * file is removed and nothing is left at `path`.
   */
  capture(path: string, options: CaptureOptions = {}): Promise<string> {
    // One at a time: V8 interleaves nothing, and a cancelled capture still runs to its end there.
    const run = this.busy.then(() => this.captureNow(path, options));
    this.busy = run.catch(() => {});
    return run;
  }

  private async prepare(): Promise<void> {
    if (this.prepared) return;
    await this.session.send('HeapProfiler.enable');
    // Node 20's V8 looks up every function's line while writing a snapshot, rescanning a
    // script's source each time unless its line table exists: minutes for a 9 MB bundle.
    // Reporting scripts to a debugger builds those tables once.
    await this.session.send('Debugger.enable', {});
    await this.session.send('Debugger.disable');
    this.prepared = true;
  }

  private async captureNow(path: string, { onProgress, signal }: CaptureOptions): Promise<string> {
    if (signal?.aborted) throw new CaptureError('cancelled');
    await this.prepare();
    await this.session.send('HeapProfiler.collectGarbage');
    const partial = `${path}.partial`;
    const out = createWriteStream(partial);
    let failure: Error | null = null;
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const fail = (error: Error) => {
      failure ??= error;
      out.destroy();
      stop();
    };
    const unsubscribe = [
      this.session.on('HeapProfiler.addHeapSnapshotChunk', ({ chunk }) => {
        if (!failure) out.write(chunk);
      }),
      this.session.on('HeapProfiler.reportHeapSnapshotProgress', ({ done, total }) => onProgress?.(done, total)),
      this.session.onDisconnect(() => fail(new CaptureError('the program exited during the heap snapshot; no snapshot was written'))),
    ];
    const onAbort = () => fail(new CaptureError('cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });
    out.on('error', (error) => fail(new CaptureError(`could not write ${partial}: ${error.message}`)));
    try {
      const taken = this.session.send('HeapProfiler.takeHeapSnapshot', { reportProgress: true }).catch((error: unknown) => {
        fail(error instanceof DisconnectedError ? new CaptureError('the program exited during the heap snapshot; no snapshot was written') : (error as Error));
      });
      // A cancel or a dead target must not wait for V8 to finish walking the heap.
      await Promise.race([taken, stopped]);
      if (failure) throw failure;
      await finish(out);
      if (failure) throw failure;
      renameSync(partial, path);
      return path;
    } catch (error) {
      out.destroy();
      rmSync(partial, { force: true });
      throw error instanceof CaptureError ? error : new CaptureError((error as Error).message);
    } finally {
      for (const off of unsubscribe) off();
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

async function finish(out: WriteStream): Promise<void> {
  out.end();
  await once(out, 'close');
}
