// Leakscope's engine: readSnapshotFile (parse) then new HeapGraph (dominators + retained sizes).
import { createRequire } from 'node:module';
import { args, now, report, shortName, TopN } from './common.mjs';

const { readSnapshotFile, HeapGraph } = createRequire(import.meta.url)('../out/leakscope.cjs');
const { file, ids } = args();

const t0 = now();
const raw = await readSnapshotFile(file);
const t1 = now();
const graph = new HeapGraph(raw);
const t2 = now();

// Top list rule (same in every engine): skip the synthetic root (ordinal 0) and every other
// node of type "synthetic" ((GC roots), (Strong roots), ...), which are V8 bookkeeping, not objects.
const synthetic = raw.nodeTypeNames.indexOf('synthetic');
const top = new TopN();
for (let n = 1; n < graph.nodeCount; n++) {
  if (raw.nodeType[n] === synthetic) continue;
  top.offer(graph.retainedSize[n], () => ({ id: graph.id(n), name: shortName(graph.className(n)), retained: graph.retainedSize[n] }));
}
const wanted = new Set(ids);
const lookup = {};
for (let n = 0; wanted.size > 0 && n < graph.nodeCount; n++) {
  if (wanted.delete(graph.id(n))) lookup[graph.id(n)] = graph.retainedSize[n];
}
report({
  parseMs: t1 - t0,
  retainedMs: t2 - t0,
  nodes: graph.nodeCount,
  edges: graph.edgeCount,
  totalRetained: graph.retainedSize[0],
  top: top.items,
  lookup,
});
