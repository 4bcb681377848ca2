import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

declare const LEAKSCOPE_SNAPSHOT_WORKER: string | undefined;

/**
 * A snapshot worker (snapshot-worker.ts) for one job: the bundle beside the one running
 * this, or, run from the TypeScript sources (the tests, under tsx), the source file, which a
 * worker can load only once tsx's require hook is registered in it too.
 */
export function startSnapshotWorker(job: unknown): Worker {
  if (typeof LEAKSCOPE_SNAPSHOT_WORKER === 'string') return new Worker(join(__dirname, LEAKSCOPE_SNAPSHOT_WORKER), { workerData: job });
  const source = fileURLToPath(new URL('./snapshot-worker.ts', import.meta.url));
  return new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(source)});`, { eval: true, workerData: job });
}
