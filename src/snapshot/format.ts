import { LeakscopeError } from '../common/errors.ts';
import { orderByKey } from './order.ts';
/** The parts of a .heapsnapshot file that describe its own layout (`snapshot.meta`). */
export interface SnapshotMeta {
  node_fields: string[];
  node_types: Array<string[] | string>;
  edge_fields: string[];
  edge_types: Array<string[] | string>;
  location_fields?: string[];
  sample_fields?: string[];
  trace_function_info_fields?: string[];
  trace_node_fields?: string[];
}

export interface SnapshotHeader {
  meta: SnapshotMeta;
  node_count?: number;
  edge_count?: number;
  trace_function_count?: number;
  /** Native memory the embedder reports without nodes for it (V8 12.6 and later). */
  extra_native_bytes?: number;
}

/** A source position as V8 records it: 0-based line and column in a script. */
export interface RawLocation {
  scriptId: number;
  line: number;
  column: number;
}

const RECORD = 3;

/**
 * Locations by node ordinal, in typed arrays: big heaps have millions of them (3.3 M in a 1 GB
 * snapshot), but far fewer than nodes, so they are found by binary search in the records'
 * ordinals rather than kept in a node-sized index. Read once `seal`ed.
 */
export class LocationTable {
  /** Per record, its node's ordinal: ascending once sealed (V8 writes them in no order). */
  private ordinals: Uint32Array;
  private data: Uint32Array;
  private sorted = true;
  size = 0;
  /**
   * Script id -> the node of its script object, where V8 names it (`script_object_index`):
   * one per script, so kept once rather than with every record.
   */
  private readonly scripts = new Map<number, number>();

  constructor(
    private readonly nodeCount: number,
    capacity = 1024,
  ) {
    this.ordinals = new Uint32Array(Math.max(1, capacity));
    this.data = new Uint32Array(Math.max(1, capacity) * RECORD);
  }

  add(ordinal: number, scriptId: number, line: number, column: number, scriptNode = -1): void {
    if (ordinal < 0 || ordinal >= this.nodeCount || !Number.isInteger(ordinal)) return;
    const r = this.size++;
    if (r === this.ordinals.length) this.resize(2 * r);
    if (r > 0 && ordinal < this.ordinals[r - 1]) this.sorted = false;
    this.ordinals[r] = ordinal;
    const at = r * RECORD;
    this.data[at] = scriptId;
    this.data[at + 1] = line;
    this.data[at + 2] = column;
    if (scriptNode >= 0 && scriptNode < this.nodeCount && Number.isInteger(scriptNode) && !this.scripts.has(scriptId)) this.scripts.set(scriptId, scriptNode);
  }

  /** All added: sorted by node, and the room grown for more given back. Again: nothing to do. */
  seal(): void {
    if (!this.sorted) this.sort();
    else if (this.ordinals.length > this.size) this.resize(this.size);
  }

  get(ordinal: number): RawLocation | null {
    // The last record of the node, as a later record replaces an earlier one.
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ordinals[mid] <= ordinal) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0 || this.ordinals[lo - 1] !== ordinal) return null;
    const at = (lo - 1) * RECORD;
    return { scriptId: this.data[at], line: this.data[at + 1], column: this.data[at + 2] };
  }

  /** Each script id with the node of its script object, where the records name one. */
  scriptNodes(): ReadonlyMap<number, number> {
    return this.scripts;
  }

  /** Calls `visit` with each node that has a location and its script id, in node order. */
  forEachNode(visit: (ordinal: number, scriptId: number) => void): void {
    for (let r = 0; r < this.size; r++) visit(this.ordinals[r], this.data[r * RECORD]);
  }

  private resize(capacity: number): void {
    const ordinals = new Uint32Array(Math.max(1, capacity));
    const data = new Uint32Array(Math.max(1, capacity) * RECORD);
    ordinals.set(this.ordinals.subarray(0, this.size));
    data.set(this.data.subarray(0, this.size * RECORD));
    this.ordinals = ordinals;
    this.data = data;
  }

  /** Records by ordinal, stably (equal ordinals keep their order, so the last still wins). */
  private sort(): void {
    const order = orderByKey(this.ordinals.subarray(0, this.size));
    const ordinals = new Uint32Array(Math.max(1, this.size));
    const data = new Uint32Array(Math.max(1, this.size) * RECORD);
    for (let k = 0; k < this.size; k++) {
      const r = order[k];
      ordinals[k] = this.ordinals[r];
      for (let f = 0; f < RECORD; f++) data[k * RECORD + f] = this.data[r * RECORD + f];
    }
    this.ordinals = ordinals;
    this.data = data;
    this.sorted = true;
  }
}

/** One allocation-tracking frame (`trace_function_infos`). */
export interface TraceFunctionInfo {
  name: string;
  scriptName: string;
  scriptId: number;
  line: number;
  column: number;
}

/**
 * Everything the parser read, in typed columns; graph indexes are built on top of it and
 * never change it. V8 versions that write the same heap differently are made to read alike
 * here (see assemble.ts).
 */
export interface RawSnapshot {
  meta: SnapshotMeta;
  nodeCount: number;
  edgeCount: number;
  nodeTypeNames: string[];
  edgeTypeNames: string[];
  /** Column per node field, indexed by node ordinal. */
  nodeType: Uint8Array;
  nodeName: Uint32Array;
  nodeId: Uint32Array;
  /**
   * 32-bit unless some object is 4 GB or more (an enormous ArrayBuffer backing store). Moved
   * into the graph by HeapGraph.build, which folds sizes into it (empty here after): a big
   * heap can't spare two copies.
   */
  nodeSelfSize: Uint32Array | Float64Array;
  /** Edge ordinals of node n are firstEdge[n] .. firstEdge[n+1]-1 (nodeCount + 1 entries). */
  firstEdge: Uint32Array;
  nodeTraceNodeId: Uint32Array | null;
  /** Column per edge field, indexed by edge ordinal; edges of a node are contiguous. */
  edgeType: Uint8Array;
  edgeNameOrIndex: Uint32Array;
  /** Target node ordinal (the file stores ordinal * node field count). */
  edgeToNode: Uint32Array;
  strings: string[];
  /** Node ordinal -> location, from the `locations` section. */
  locations: LocationTable;
  /** Pairs of (timestamp µs, last assigned id), when the heap was recorded over time. */
  samples: { timestampUs: Float64Array; lastAssignedId: Float64Array } | null;
  traceFunctionInfos: TraceFunctionInfo[];
  /** trace node id -> [function info index, parent trace node id]. */
  traceTree: Map<number, { functionInfo: number; parent: number }>;
  /** The header's `extra_native_bytes`: native memory outside any node; 0 when absent. */
  extraNativeBytes: number;
  /** What could not be read and was left out, one sentence each (the rest of the snapshot is sound). */
  notes: string[];
}

/** Bad input, said in one sentence with where it went wrong. */
export class SnapshotFormatError extends LeakscopeError {
  override name = 'SnapshotFormatError';
  constructor(message: string) {
    super('input', message);
  }
}
