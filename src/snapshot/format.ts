import { LeakscopeError } from '../common/errors.ts';
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
  /** The node of the script object, where V8 says (`script_object_index`); -1 if not. */
  scriptNode: number;
}

const RECORD = 4;
const NO_NODE = 0xffffffff;

/** Locations by node ordinal, in typed arrays: big heaps have millions of them. */
export class LocationTable {
  private readonly recordOf: Int32Array;
  private data: Uint32Array;
  size = 0;

  constructor(nodeCount: number, capacity = 1024) {
    this.recordOf = new Int32Array(nodeCount).fill(-1);
    this.data = new Uint32Array(Math.max(1, capacity) * RECORD);
  }

  add(ordinal: number, scriptId: number, line: number, column: number, scriptNode = -1): void {
    if (ordinal < 0 || ordinal >= this.recordOf.length || !Number.isInteger(ordinal)) return;
    const r = this.size++;
    if (r * RECORD + RECORD > this.data.length) {
      const bigger = new Uint32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.recordOf[ordinal] = r;
    const at = r * RECORD;
    this.data[at] = scriptId;
    this.data[at + 1] = line;
    this.data[at + 2] = column;
    this.data[at + 3] = scriptNode < 0 || !Number.isInteger(scriptNode) ? NO_NODE : scriptNode;
  }

  get(ordinal: number): RawLocation | null {
    const r = this.recordOf[ordinal];
    if (r === undefined || r < 0) return null;
    const at = r * RECORD;
    const scriptNode = this.data[at + 3];
    return { scriptId: this.data[at], line: this.data[at + 1], column: this.data[at + 2], scriptNode: scriptNode === NO_NODE ? -1 : scriptNode };
  }

  /** Each script id with the node of its script object, where the records name one. */
  *scriptNodes(): Generator<[scriptId: number, scriptNode: number]> {
    for (let at = 0; at < this.size * RECORD; at += RECORD) {
      if (this.data[at + 3] !== NO_NODE) yield [this.data[at], this.data[at + 3]];
    }
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
  /** 32-bit unless some object is 4 GB or more (an enormous ArrayBuffer backing store). */
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
