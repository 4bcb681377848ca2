// Bundled by run.mjs with esbuild into out/leakscope.cjs, so the bench runs our TypeScript
// sources as they are (no dist/ needed) and measures the same code the CLI ships.
export { readSnapshotFile } from '../../src/snapshot/snapshot-file.ts';
export { HeapGraph } from '../../src/snapshot/graph.ts';
export { SnapshotSeries } from '../../src/analysis/analyze.ts';
export { quietLogger } from '../../src/common/logger.ts';
