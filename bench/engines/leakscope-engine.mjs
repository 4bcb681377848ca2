// Leakscope's engine, shared by leakscope.mjs (today's src/snapshot) and leakscope-reference.mjs
// (the same entry bundled from an older commit, to check that answers did not change):
// the bundle's reader (parse), then the HeapGraph (dominators + retained sizes), timed per phase.
import { createRequire } from 'node:module';
import { args, now, report, shortName, TopN } from './common.mjs';

/** bundle: path of the esbuild bundle of leakscope-entry.ts, relative to this folder. */
export async function runLeakscope(bundle) {
  const engine = createRequire(import.meta.url)(bundle);
  const { HeapGraph } = engine;
  // The reader is readSnapshotFile (async) since 4f08873, parseSnapshotFile (sync) before.
  const read = engine.readSnapshotFile ?? engine.parseSnapshotFile;
  const { file, ids } = args();

  const t0 = now();
  const raw = await read(file);
  const t1 = now();
  // HeapGraph reports each phase as it starts; a phase lasts until the next one starts. The
  // first one is counted from the end of the parse, so that the phases add up to retainedMs.
  const marks = [];
  const options = { onProgress: (phase) => marks.push([phase, marks.length ? now() : t1]) };
  // HeapGraph.build (async, two threads on big heaps) since it exists; the constructor before.
  const graph = HeapGraph.build ? await HeapGraph.build(raw, options) : new HeapGraph(raw, options);
  const t2 = now();
  const phases = { parse: t1 - t0 };
  marks.forEach(([phase, at], i) => {
    if (phase === 'done') return;
    phases[phase] = (phases[phase] ?? 0) + (marks[i + 1]?.[1] ?? t2) - at;
  });

  // Top list rule (same in every engine): skip the synthetic root (ordinal 0) and every other
  // node of type "synthetic" ((GC roots), (Strong roots), ...), which are V8 bookkeeping, not objects.
  const top = new TopN();
  for (let n = 0; n < graph.nodeCount; n++) {
    if (graph.typeName(n) === 'synthetic') continue;
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
    phases,
    nodes: graph.nodeCount,
    edges: graph.edgeCount,
    totalRetained: graph.retainedSize[0],
    top: top.items,
    lookup,
  });
}
