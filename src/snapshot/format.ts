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
}

/** A source position as V8 records it: 0-based line and column in a script. */
export interface RawLocation {
  scriptId: number;
  line: number;
  column: number;
}

/** Locations by node ordinal, in typed arrays: big heaps have millions of them. */
export class LocationTable {
  private readonly recordOf: Int32Array;
  private data: Uint32Array;
  size = 0;

  constructor(nodeCount: number, capacity = 1024) {
    this.recordOf = new Int32Array(nodeCount).fill(-1);
    this.data = new Uint32Array(Math.max(1, capacity) * 3);
  }

  add(ordinal: number, scriptId: number, line: number, column: number): void {
    if (ordinal < 0 || ordinal >= this.recordOf.length || !Number.isInteger(ordinal)) return;
    const r = this.size++;
    if (r * 3 + 3 > this.data.length) {
      const bigger = new Uint32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.recordOf[ordinal] = r;
    this.data[r * 3] = scriptId;
    this.data[r * 3 + 1] = line;
    this.data[r * 3 + 2] = column;
  }

  get(ordinal: number): RawLocation | null {
    const r = this.recordOf[ordinal];
    if (r === undefined || r < 0) return null;
    return { scriptId: this.data[r * 3], line: this.data[r * 3 + 1], column: this.data[r * 3 + 2] };
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

/** Everything the parser read, in typed columns; graph indexes are built on top of it. */
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
  /** 32-bit unless some object is 4 GB or more (an enormous ArrayBuffer backing store). */
  nodeSelfSize: Uint32Array | Float64Array;
  nodeEdgeCount: Uint32Array;
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
}

/** Bad input, said in one sentence with where it went wrong. */
export class SnapshotFormatError extends Error {
  override readonly name = 'SnapshotFormatError';
}

export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor() {
    super('cancelled');
  }
}
