import { LocationTable, SnapshotFormatError } from './format.ts';
import { NumberSink } from './json-bytes.ts';

// Where the numbers of each section go: typed columns for the fields we use, by record.
// Fields we don't know are read and dropped. The node and edge columns can live in shared
// memory, for readers on other threads that fill them at the same time.

type Column = Uint8Array | Uint32Array;

/** The arrays behind the node columns; in SharedArrayBuffers when several threads fill them. */
export interface NodeArrays {
  type: Uint8Array;
  name: Uint32Array;
  id: Uint32Array;
  selfSize: Uint32Array;
  /** One slot more than nodes: assembly turns the counts into first-edge offsets in place. */
  edgeCount: Uint32Array;
  traceNodeId: Uint32Array | null;
}

export interface EdgeArrays {
  type: Uint8Array;
  nameOrIndex: Uint32Array;
  toNode: Uint32Array;
}

type Allocate = (bytes: number) => ArrayBufferLike;
export const plainMemory: Allocate = (bytes) => new ArrayBuffer(bytes);
export const sharedMemory: Allocate = (bytes) => new SharedArrayBuffer(bytes);
/**
 * Node count from which a snapshot's columns go to shared memory even when one thread reads
 * them (a streamed snapshot): its graph is then built on two threads (graph-helper.ts).
 */
export const SHARED_FROM_NODES = 300_000;

function column<T extends Column>(make: new (buffer: ArrayBufferLike) => T, bytesPer: number, count: number, allocate: Allocate): T {
  return new make(allocate(Math.max(1, count) * bytesPer));
}

export function allocateNodes(count: number, tracked: boolean, allocate: Allocate): NodeArrays {
  return {
    type: column(Uint8Array, 1, count, allocate),
    name: column(Uint32Array, 4, count, allocate),
    id: column(Uint32Array, 4, count, allocate),
    selfSize: column(Uint32Array, 4, count, allocate),
    edgeCount: column(Uint32Array, 4, count + 1, allocate),
    // Trace node ids are all zero unless allocations were tracked: no column then.
    traceNodeId: tracked ? column(Uint32Array, 4, count, allocate) : null,
  };
}

export function allocateEdges(count: number, allocate: Allocate): EdgeArrays {
  return {
    type: column(Uint8Array, 1, count, allocate),
    nameOrIndex: column(Uint32Array, 4, count, allocate),
    toNode: column(Uint32Array, 4, count, allocate),
  };
}

/** A copy of `a` with room for `size` elements (twice its length unless told). */
export function grown<T extends Column>(a: T, size = 2 * a.length): T {
  const bigger = new (a.constructor as new (n: number) => T)(size);
  bigger.set(a);
  return bigger;
}

/**
 * Numbers to records, by field. Batches mostly hold whole records and go column by column;
 * the numbers before the first record boundary and after the last go one at a time (a
 * section read from both ends meets in the middle of a record).
 */
abstract class RecordColumns<A extends object> implements NumberSink {
  readonly width: number;
  protected readonly at: number[];

  constructor(
    kind: string,
    fields: string[],
    used: readonly string[],
    required: readonly string[],
    public arrays: A,
    /** Records fit; more is an error (shared columns), else the columns grow. */
    private readonly fixed: boolean,
  ) {
    for (const name of required) {
      if (!fields.includes(name)) throw new SnapshotFormatError(`not a V8 heap snapshot: ${kind}_fields has no '${name}'`);
    }
    this.width = fields.length;
    this.at = used.map((name) => fields.indexOf(name));
  }

  protected abstract capacity(): number;
  protected abstract resize(records: number): void;
  protected abstract store(batch: Float64Array, offset: number, records: number, at: number): void;
  protected abstract storeOne(field: number, record: number, value: number): void;
  protected abstract tooMany(): SnapshotFormatError;

  write(batch: Float64Array, length: number, first: number): void {
    const w = this.width;
    const end = Math.ceil((first + length) / w);
    if (end > this.capacity()) {
      if (this.fixed) throw this.tooMany();
      this.resize(Math.max(1024, this.capacity() * 2, end));
    }
    let k = 0;
    let g = first;
    for (; k < length && g % w !== 0; k++, g++) this.storeOne(g % w, Math.floor(g / w), batch[k]);
    const whole = Math.floor((length - k) / w);
    if (whole > 0) {
      this.store(batch, k, whole, (g / w) | 0);
      k += whole * w;
      g += whole * w;
    }
    for (; k < length; k++, g++) this.storeOne(g % w, Math.floor(g / w), batch[k]);
  }
}

// One copy loop per column type keeps each loop monomorphic (and fast) in V8.
function copyToUint32(batch: Float64Array, j: number, records: number, width: number, column: Uint32Array, at: number): void {
  for (let r = 0; r < records; r++, j += width) column[at + r] = batch[j];
}
/** Bytes (node and edge types): values past 255 read as 255, a type we don't know. */
function copyToUint8(batch: Float64Array, j: number, records: number, width: number, column: Uint8Array, at: number): void {
  for (let r = 0; r < records; r++, j += width) column[at + r] = Math.min(batch[j], 255);
}

const NODE_FIELDS = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id'] as const;

export class NodeColumns extends RecordColumns<NodeArrays> {
  /** Nodes of 4 GB or more (an enormous ArrayBuffer): [ordinal, self size] pairs, kept aside. */
  readonly oversized: number[] = [];

  constructor(fields: string[], arrays: NodeArrays, fixed: boolean) {
    super('node', fields, NODE_FIELDS, NODE_FIELDS.slice(0, 5), arrays, fixed);
  }

  protected capacity(): number {
    return this.arrays.type.length;
  }

  protected resize(records: number): void {
    const a = this.arrays;
    this.arrays = {
      type: grown(a.type, records),
      name: grown(a.name, records),
      id: grown(a.id, records),
      selfSize: grown(a.selfSize, records),
      edgeCount: grown(a.edgeCount, records + 1),
      traceNodeId: a.traceNodeId && grown(a.traceNodeId, records),
    };
  }

  protected tooMany(): SnapshotFormatError {
    return new SnapshotFormatError(`the snapshot holds more nodes than its header declares (${this.capacity()})`);
  }

  protected store(batch: Float64Array, offset: number, records: number, at: number): void {
    const [type, name, id, self, edges, trace] = this.at;
    const a = this.arrays;
    const w = this.width;
    copyToUint8(batch, offset + type, records, w, a.type, at);
    copyToUint32(batch, offset + name, records, w, a.name, at);
    copyToUint32(batch, offset + id, records, w, a.id, at);
    copyToUint32(batch, offset + self, records, w, a.selfSize, at);
    for (let r = 0, j = offset + self; r < records; r++, j += w) {
      if (batch[j] > 0xffffffff) this.oversized.push(at + r, batch[j]);
    }
    copyToUint32(batch, offset + edges, records, w, a.edgeCount, at);
    if (a.traceNodeId && trace >= 0) copyToUint32(batch, offset + trace, records, w, a.traceNodeId, at);
  }

  protected storeOne(field: number, record: number, value: number): void {
    const [type, name, id, self, edges, trace] = this.at;
    const a = this.arrays;
    if (field === type) a.type[record] = Math.min(value, 255);
    else if (field === name) a.name[record] = value;
    else if (field === id) a.id[record] = value;
    else if (field === self) {
      a.selfSize[record] = value;
      if (value > 0xffffffff) this.oversized.push(record, value);
    } else if (field === edges) a.edgeCount[record] = value;
    else if (field === trace && a.traceNodeId) a.traceNodeId[record] = value;
  }
}

const EDGE_FIELDS = ['type', 'name_or_index', 'to_node'] as const;

export class EdgeColumns extends RecordColumns<EdgeArrays> {
  constructor(
    fields: string[],
    private readonly nodeFieldCount: number,
    arrays: EdgeArrays,
    fixed: boolean,
  ) {
    super('edge', fields, EDGE_FIELDS, EDGE_FIELDS, arrays, fixed);
  }

  protected capacity(): number {
    return this.arrays.type.length;
  }

  protected resize(records: number): void {
    const a = this.arrays;
    this.arrays = { type: grown(a.type, records), nameOrIndex: grown(a.nameOrIndex, records), toNode: grown(a.toNode, records) };
  }

  protected tooMany(): SnapshotFormatError {
    return new SnapshotFormatError(`the snapshot holds more edges than its header declares (${this.capacity()})`);
  }

  protected store(batch: Float64Array, offset: number, records: number, at: number): void {
    const [type, name, to] = this.at;
    const a = this.arrays;
    const w = this.width;
    copyToUint8(batch, offset + type, records, w, a.type, at);
    copyToUint32(batch, offset + name, records, w, a.nameOrIndex, at);
    const nodeFieldCount = this.nodeFieldCount;
    const toNode = a.toNode;
    for (let r = 0, j = offset + to; r < records; r++, j += w) {
      const ordinal = batch[j] / nodeFieldCount;
      if (ordinal !== Math.floor(ordinal)) throw this.midNode(at + r, batch[j]);
      toNode[at + r] = ordinal;
    }
  }

  protected storeOne(field: number, record: number, value: number): void {
    const [type, name, to] = this.at;
    const a = this.arrays;
    if (field === type) a.type[record] = Math.min(value, 255);
    else if (field === name) a.nameOrIndex[record] = value;
    else if (field === to) {
      const ordinal = value / this.nodeFieldCount;
      if (ordinal !== Math.floor(ordinal)) throw this.midNode(record, value);
      a.toNode[record] = ordinal;
    }
  }

  private midNode(edge: number, value: number): SnapshotFormatError {
    return new SnapshotFormatError(`edge ${edge} points into the middle of a node (to_node ${value})`);
  }
}

/** A flat numeric section we keep whole (samples, trace_function_infos). */
export class GrowableNumbers implements NumberSink {
  readonly width = 1;
  private values = new Float64Array(1024);
  private length = 0;

  write(batch: Float64Array, length: number): void {
    if (this.length + length > this.values.length) {
      const bigger = new Float64Array(Math.max(this.values.length * 2, this.length + length));
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values.set(batch.subarray(0, length), this.length);
    this.length += length;
  }

  toArray(): Float64Array {
    return this.values.subarray(0, this.length);
  }
}

/** Streams the `locations` section straight into its table, by the node it belongs to. */
export class LocationColumns implements NumberSink {
  readonly width: number;
  readonly table: LocationTable;
  private readonly at: number[];
  private readonly scriptObject: number;

  constructor(
    fields: string[],
    nodeCount: number,
    private readonly nodeFieldCount: number,
  ) {
    this.width = fields.length;
    this.table = new LocationTable(nodeCount);
    this.at = ['object_index', 'script_id', 'line', 'column'].map((f) => fields.indexOf(f));
    if (this.at.some((k) => k < 0)) throw new SnapshotFormatError("'snapshot.meta.location_fields' lacks object_index, script_id, line or column");
    // Newer V8 may also name the script object, so its name needs no closure to find it.
    this.scriptObject = fields.indexOf('script_object_index');
  }

  write(batch: Float64Array, length: number): void {
    const [object, script, line, column] = this.at;
    const scriptObject = this.scriptObject;
    for (let j = 0; j + this.width <= length; j += this.width) {
      const scriptNode = scriptObject < 0 ? -1 : batch[j + scriptObject] / this.nodeFieldCount;
      this.table.add(batch[j + object] / this.nodeFieldCount, batch[j + script], batch[j + line], batch[j + column], scriptNode);
    }
  }
}
