import { allocateEdges, allocateNodes, EdgeArrays, EdgeColumns, NodeArrays, NodeColumns, sharedMemory } from './columns.ts';
import { CancelledError, isCancelled, throwIfCancelled } from '../common/errors.ts';
import { SnapshotFormatError, SnapshotHeader } from './format.ts';
import { isSpace, RBRACKET } from './json-bytes.ts';
import { Sections, SnapshotParser } from './sections.ts';
import { readAt } from './file-access.ts';
import { startSnapshotWorker } from './worker-start.ts';

// The nodes and edges sections are nine tenths of a snapshot file. Two section workers read
// them at once into shared memory: the front one from the start of the nodes on into the
// edges, the back one from the end of the edges backwards. The header's counts say where
// each number goes, so neither needs the other's count; they claim blocks of bytes from
// either end under a lock until they meet. Meanwhile this thread reads the rest (strings,
// locations, traces), whose strings must live on this thread anyway.

/** Bytes claimed at a time from either end of the edges, unless told otherwise. */
const BLOCK_BYTES = 4 * 1024 * 1024;

/** Where the sections are, and what the workers fill. */
export interface SectionJob {
  kind: 'sections';
  path: string;
  role: 'front' | 'back';
  /** Byte offset of the '[' that opens the nodes, and of the ']' that closes the edges. */
  nodesOpen: number;
  edgesClose: number;
  nodeFields: string[];
  edgeFields: string[];
  nodeCount: number;
  edgeCount: number;
  nodes: NodeArrays;
  edges: EdgeArrays;
  /**
   * [lock, cancelled] as Int32; then, as Float64, [front's next byte (NaN until it reaches
   * the edges), back's lowest byte, front's bytes read, back's bytes read, block size].
   */
  control: SharedArrayBuffer;
}

export type SectionResult =
  | { ok: true; role: 'front' | 'back'; nodeNumbers: number; edgeNumbers: number; oversized: number[] }
  | { ok: false; kind: 'input' | 'cancelled' | 'internal'; message: string };

export class SectionControl {
  private readonly flags: Int32Array;
  private readonly at: Float64Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.flags = new Int32Array(buffer, 0, 2);
    this.at = new Float64Array(buffer, 8, 5);
  }

  static create(edgesClose: number, blockBytes: number): SectionControl {
    const control = new SectionControl(new SharedArrayBuffer(8 + 5 * 8));
    control.at[0] = NaN;
    control.at[1] = edgesClose;
    control.at[4] = blockBytes;
    return control;
  }

  get blockBytes(): number {
    return this.at[4];
  }

  get cancelled(): boolean {
    return Atomics.load(this.flags, 1) === 1;
  }

  cancel(): void {
    Atomics.store(this.flags, 1, 1);
  }

  bytesRead(): number {
    return this.at[2] + this.at[3];
  }

  addRead(role: 'front' | 'back', bytes: number): void {
    this.at[role === 'front' ? 2 : 3] += bytes;
  }

  /** The front worker reached the edges' first byte: from now on it claims from there. */
  frontClaim(from: number | null): [number, number] | null {
    return this.locked(() => {
      if (from !== null) this.at[0] = from;
      const start = this.at[0];
      const end = Math.min(start + this.blockBytes, this.at[1]);
      if (!(start < end)) return null;
      this.at[0] = end;
      return [start, end];
    });
  }

  backClaim(): [number, number] | null {
    return this.locked(() => {
      const end = this.at[1];
      const front = Number.isNaN(this.at[0]) ? 0 : this.at[0];
      const start = Math.max(end - this.blockBytes, front);
      if (!(start < end)) return null;
      this.at[1] = start;
      return [start, end];
    });
  }

  private locked<T>(run: () => T): T {
    while (Atomics.compareExchange(this.flags, 0, 0, 1) !== 0) Atomics.wait(this.flags, 0, 1, 1);
    try {
      return run();
    } finally {
      Atomics.store(this.flags, 0, 0);
      Atomics.notify(this.flags, 0);
    }
  }
}

/** Where the parts of the file are, when it is laid out as V8 writes it; null otherwise. */
export interface Layout {
  header: SnapshotHeader;
  nodesOpen: number;
  edgesClose: number;
  /** The first byte of the key after the edges, where this thread reads on. */
  tailStart: number;
}

const TAIL_KEY = Buffer.from('"trace_function_infos"');

/**
 * Finds the layout by reading the header and searching the file's tail backwards for the
 * key V8 writes just after the edges. Anything else (another producer, a foreign file) gets
 * null, and the one-thread reader, which says exactly what is wrong.
 */
export function findLayout(path: string, fd: number, size: number): Layout | null {
  const parser = new SnapshotParser({ headerOnly: true });
  const chunk = Buffer.allocUnsafe(1024 * 1024);
  for (let position = 0; parser.headerEnd < 0 && position < size && position < 64 * chunk.length; ) {
    const n = readAt(path, fd, chunk, position);
    if (n === 0) break;
    parser.feed(chunk.subarray(0, n));
    position += n;
  }
  const header = parser.header;
  if (parser.headerEnd < 0 || !header || header.node_count === undefined || header.edge_count === undefined) return null;
  const n = readAt(path, fd, chunk, parser.headerEnd, 4096);
  const opening = /^\s*,\s*"nodes"\s*:\s*\[/.exec(chunk.toString('latin1', 0, n));
  if (!opening) return null;
  const nodesOpen = parser.headerEnd + opening[0].length - 1;
  const tailKey = lastIndexOf(path, fd, size, nodesOpen, TAIL_KEY, chunk);
  if (tailKey < 0) return null;
  // Back from the key over ',' and spaces to the ']' that closes the edges.
  const before = Math.max(nodesOpen, tailKey - 256);
  const m = readAt(path, fd, chunk, before, tailKey - before);
  let k = m - 1;
  while (k >= 0 && isSpace(chunk[k])) k--;
  if (chunk[k] !== 44) return null;
  k--;
  while (k >= 0 && isSpace(chunk[k])) k--;
  if (chunk[k] !== RBRACKET) return null;
  return { header, nodesOpen, edgesClose: before + k, tailStart: tailKey };
}

/** The last occurrence of `pattern` in the file after `floor`, reading backwards; -1 if none. */
function lastIndexOf(path: string, fd: number, size: number, floor: number, pattern: Buffer, chunk: Buffer): number {
  for (let end = size; end > floor; ) {
    const start = Math.max(floor, end - chunk.length);
    const n = readAt(path, fd, chunk, start, end - start);
    const at = chunk.subarray(0, n).lastIndexOf(pattern);
    if (at >= 0) return start + at;
    // Overlap by the pattern's length, so a match across two reads is found.
    end = start + pattern.length - 1;
    if (start === floor) break;
  }
  return -1;
}

export interface ParallelOptions {
  signal: AbortSignal | undefined;
  onProgress: (bytesRead: number) => void;
  blockBytes?: number;
}

/** Reads a file with the layout V8 writes: nodes and edges by the two workers, the rest here. */
export async function readInParallel(path: string, fd: number, size: number, layout: Layout, options: ParallelOptions): Promise<Sections> {
  const { header } = layout;
  const { meta } = header;
  const nodeCount = header.node_count!;
  const edgeCount = header.edge_count!;
  const nodes = allocateNodes(nodeCount, header.trace_function_count !== 0, sharedMemory);
  const edges = allocateEdges(edgeCount, sharedMemory);
  const blockBytes = options.blockBytes ?? BLOCK_BYTES;
  const control = SectionControl.create(layout.edgesClose, blockBytes);
  const job = { kind: 'sections' as const, path, nodesOpen: layout.nodesOpen, edgesClose: layout.edgesClose, nodeFields: meta.node_fields, edgeFields: meta.edge_fields, nodeCount, edgeCount, nodes, edges, control: control.buffer };
  const workers = (['front', 'back'] as const).map((role) => runSection({ ...job, role }));
  try {
    const tail = new SnapshotParser({ resumeAfter: { header, nodeCount, offset: layout.tailStart } });
    const chunk = Buffer.allocUnsafe(blockBytes);
    for (let position = layout.tailStart; position < size; ) {
      throwIfCancelled(options.signal);
      const n = readAt(path, fd, chunk, position);
      if (n === 0) break;
      tail.feed(chunk.subarray(0, n));
      position += n;
      options.onProgress(position - layout.tailStart + layout.nodesOpen + control.bytesRead());
    }
    const ticker = setInterval(() => {
      if (isCancelled(options.signal)) control.cancel();
      options.onProgress(size - layout.tailStart + layout.nodesOpen + control.bytesRead());
    }, 100);
    let results: SectionResult[];
    try {
      results = await Promise.all(workers.map((w) => w.result));
    } finally {
      clearInterval(ticker);
    }
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) {
      if (failed.kind === 'cancelled') throw new CancelledError();
      if (failed.kind === 'input') throw new SnapshotFormatError(failed.message);
      throw new Error(failed.message);
    }
    const done = results.filter((r) => r.ok);
    const nodeNumbers = done.reduce((sum, r) => sum + r.nodeNumbers, 0);
    const edgeNumbers = done.reduce((sum, r) => sum + r.edgeNumbers, 0);
    const nodeColumns = new NodeColumns(meta.node_fields, nodes, true);
    const edgeColumns = new EdgeColumns(meta.edge_fields, meta.node_fields.length, edges, true);
    for (const r of done) nodeColumns.oversized.push(...r.oversized);
    if (nodeNumbers % nodeColumns.width !== 0) throw new SnapshotFormatError("'nodes' ends in the middle of a record");
    if (edgeNumbers % edgeColumns.width !== 0) throw new SnapshotFormatError("'edges' ends in the middle of a record");
    const sections = tail.sections();
    return { ...sections, nodes: nodeColumns, nodeCount: nodeNumbers / nodeColumns.width, edges: edgeColumns, edgeCount: edgeNumbers / edgeColumns.width };
  } finally {
    control.cancel();
    await Promise.all(workers.map((w) => w.stop()));
  }
}

function runSection(job: SectionJob): { result: Promise<SectionResult>; stop: () => Promise<unknown> } {
  const worker = startSnapshotWorker(job);
  const result = new Promise<SectionResult>((resolve) => {
    worker.once('message', (message: SectionResult) => resolve(message));
    worker.once('error', (error) => resolve({ ok: false, kind: 'internal', message: error.stack ?? error.message }));
    worker.once('exit', (code) => resolve({ ok: false, kind: 'internal', message: `the ${job.role} section reader stopped (exit ${code})` }));
  });
  return { result, stop: () => worker.terminate() };
}
