// Leakscope as `leakscope analyze <file>` runs it, in one process: read, graph, digest, and the
// report of one snapshot (largest objects with their retainer paths and source lines, classes,
// native memory), each timed. No top list: the `leakscope` tool checks the answers.
import { createRequire } from 'node:module';
import { args, now, report } from './common.mjs';

const { readSnapshotFile, SnapshotSeries, quietLogger } = createRequire(import.meta.url)('../out/leakscope.cjs');
const { file } = args();

const t0 = now();
const raw = await readSnapshotFile(file);
const t1 = now();
const series = new SnapshotSeries(quietLogger);
// On a big heap the dominator tree is built on the other thread from 'dominators' on, while
// this one starts the digest; the graph is done when the rest of the digest ('summarizing') starts.
let treeStart = null;
let graphDone = null;
const onProgress = ({ phase }) => {
  if (phase === 'dominators') treeStart ??= now();
  if (phase === 'summarizing') graphDone ??= now();
};
await series.add(file, raw, { onProgress });
// Read from its finished file: the analysis below need not read it again.
series.confirm(file);
const t2 = now();
const analysis = await series.analyze([file]);
const t3 = now();
report({
  parseMs: t1 - t0,
  retainedMs: graphDone - t0,
  reportMs: t3 - t0,
  phases: { parse: t1 - t0, 'graph to distances': treeStart - t1, 'dominator tree ∥ digest start': graphDone - treeStart, 'digest end': t2 - graphDone, report: t3 - t2 },
  nodes: raw.nodeCount,
  edges: raw.edgeCount,
  largest: analysis.largest.length,
});
