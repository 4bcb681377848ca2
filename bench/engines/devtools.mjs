// Chrome DevTools' heap snapshot worker (chrome-devtools-frontend), bundled from its TypeScript
// sources by run.mjs into out/devtools.mjs. It runs as in DevTools: the file is read in 10 MB
// chunks, decoded to strings and written into a HeapSnapshotLoader one chunk at a time (parse);
// then loader.buildSnapshot makes a JSHeapSnapshot and awaits its initialize(), which builds the
// edge indexes, flags, distances, class names, ... and gets retainers, dominators and retained
// sizes (HeapSnapshot.calculateDominatorsAndRetainedSizes) from a second worker thread, as
// DevTools starts a second worker for them. "To retained sizes" is parse + all of initialize().
//   node devtools.mjs <file> [--ids 1,2] [--one-thread]   (--one-thread: the "second worker" is a
//   MessagePort of the same thread, like DevTools' createJSHeapSnapshotForTesting)
import { closeSync, openSync, readSync } from 'node:fs';
import { isMainThread, MessageChannel, Worker, workerData } from 'node:worker_threads';
import { args, now, report, shortName, TopN } from './common.mjs';

// The one newer-than-Node-20 API the worker code uses (Node 22+); as the spec defines it.
Promise.withResolvers ??= function withResolvers() {
  let resolve, reject;
  const promise = new this((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

const { HeapSnapshotLoader, SecondaryInitManager } = await import(new URL('../out/devtools.mjs', import.meta.url));

if (!isMainThread) {
  new SecondaryInitManager(workerData.port); // DevTools' 'setupForSecondaryInit'
} else {
  const { file, ids } = args();
  const oneThread = process.argv.includes('--one-thread');
  const CHUNK = 10_000_000; // HeapSnapshotView.loadFromFile: new ChunkedFileReader(file, 10000000)

  const t0 = now();
  const loader = new HeapSnapshotLoader(undefined); // no dispatcher: progress events go nowhere
  const decoder = new TextDecoder(); // ChunkedFileReader decodes with {stream: true} until the end
  const fd = openSync(file, 'r');
  const bytes = new Uint8Array(CHUNK);
  for (;;) {
    const n = readSync(fd, bytes, 0, CHUNK, null);
    if (n === 0) break;
    loader.write(decoder.decode(bytes.subarray(0, n), { stream: true }));
    // DevTools awaits each write (a message to the worker), so the loader parses a chunk before
    // the next one arrives; yielding here lets it, instead of queueing the whole file as strings.
    await new Promise((resolve) => setImmediate(resolve));
  }
  closeSync(fd);
  loader.write(decoder.decode());
  loader.close();
  await loader.parsingComplete;
  const t1 = now();

  const channel = new MessageChannel();
  let worker = null;
  if (oneThread) new SecondaryInitManager(channel.port2);
  else worker = new Worker(new URL(import.meta.url), { workerData: { port: channel.port2 }, transferList: [channel.port2] });
  const snapshot = await loader.buildSnapshot(channel.port1);
  const t2 = now();
  await worker?.terminate();
  channel.port1.close();

  const { nodes, nodeCount, nodeFieldCount, nodeIdOffset, nodeTypeOffset, nodeSyntheticType, retainedSizes } = snapshot;
  const top = new TopN();
  for (let n = 0; n < nodeCount; n++) {
    // Same rule as the other engines: no node of type "synthetic" (root, (GC roots), ...).
    if (nodes.getValue(n * nodeFieldCount + nodeTypeOffset) === nodeSyntheticType) continue;
    top.offer(retainedSizes[n], () => {
      const node = snapshot.createNode(n * nodeFieldCount);
      return { id: node.id(), name: shortName(node.className()), retained: retainedSizes[n] };
    });
  }
  const wanted = new Set(ids);
  const lookup = {};
  for (let n = 0; wanted.size > 0 && n < nodeCount; n++) {
    const id = nodes.getValue(n * nodeFieldCount + nodeIdOffset);
    if (wanted.delete(id)) lookup[id] = retainedSizes[n];
  }
  report({
    parseMs: t1 - t0,
    retainedMs: t2 - t0,
    nodes: nodeCount,
    edges: snapshot.containmentEdges.length / snapshot.edgeFieldsCount,
    totalRetained: retainedSizes[snapshot.rootNodeIndexInternal / nodeFieldCount],
    top: top.items,
    lookup,
  });
}
