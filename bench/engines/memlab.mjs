// memlab: the two steps of @memlab/heap-analysis' getFullHeapFromFile, timed apart —
// utils.getSnapshotFromFile (parse, with the node-id index that getFullHeapFromFile asks for)
// then analysis.preparePathFinder (shortest paths, dominators, retained sizes).
import { createRequire } from 'node:module';
import { args, now, report, shortName, TopN } from './common.mjs';

const memlab = createRequire(import.meta.url)('@memlab/core');
memlab.config.muteConsole = true; // its progress lines would only cost time on a pipe
const { file, ids } = args();

const t0 = now();
const heap = await memlab.utils.getSnapshotFromFile(file, { buildNodeIdIndex: true });
const t1 = now();
memlab.analysis.preparePathFinder(heap);
const t2 = now();

// Same rule as the other engines: no node of type "synthetic" (root, (GC roots), ...).
const top = new TopN();
heap.nodes.forEach((node) => {
  if (node.type === 'synthetic') return;
  const retained = node.retainedSize;
  top.offer(retained, () => ({ id: node.id, name: shortName(node.name), retained }));
});
const lookup = {};
for (const id of ids) {
  const node = heap.getNodeById(id);
  if (node) lookup[id] = node.retainedSize;
}
report({
  parseMs: t1 - t0,
  retainedMs: t2 - t0,
  nodes: heap.nodes.length,
  edges: heap.edges.length,
  top: top.items,
  lookup,
});
