import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import {
  CancelledError,
  LocationTable,
  RawSnapshot,
  SnapshotFormatError,
  SnapshotHeader,
  SnapshotMeta,
  TraceFunctionInfo,
} from './format.ts';

// A byte-level, push-based reader for .heapsnapshot JSON. The big sections (nodes, edges) go
// straight from digits into typed arrays, so no string ever holds the whole file and files
// over V8's ~512 M character string limit parse like small ones.

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;

/** Largest `snapshot` header or `trace_tree` we keep as text before parsing it with JSON.parse. */
const MAX_CAPTURE_BYTES = 256 * 1024 * 1024;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

const enum Top {
  BeforeObject,
  BeforeKey,
  InKey,
  BeforeColon,
  InValue,
  AfterObject,
}

/**
 * Receives the integers of a numeric array section in batches of whole records
 * (`width` numbers each), so the per-number loop stays free of dispatch.
 */
interface RecordSink {
  readonly width: number;
  flush(batch: Float64Array, length: number): void;
}

class GrowableNumbers implements RecordSink {
  readonly width = 1;
  values = new Float64Array(1024);
  length = 0;
  flush(batch: Float64Array, length: number): void {
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

type Column = Uint8Array | Uint32Array | Float64Array;

function grow<T extends Column>(a: T, size: number): T {
  const bigger = new (a.constructor as new (n: number) => T)(size);
  bigger.set(a);
  return bigger;
}

// One copy loop per column type keeps each loop monomorphic (and fast) in V8.
function copyToUint32(batch: Float64Array, records: number, width: number, field: number, column: Uint32Array, at: number): void {
  for (let r = 0, j = field; r < records; r++, j += width) column[at + r] = batch[j];
}
function copyToFloat64(batch: Float64Array, records: number, width: number, field: number, column: Float64Array, at: number): void {
  for (let r = 0, j = field; r < records; r++, j += width) column[at + r] = batch[j];
}
/** Bytes (node and edge types): values past 255 read as 255, a type we don't know. */
function copyToUint8(batch: Float64Array, records: number, width: number, field: number, column: Uint8Array, at: number): void {
  for (let r = 0, j = field; r < records; r++, j += width) column[at + r] = Math.min(batch[j], 255);
}

/** Typed columns for the fields we use; fields we don't know are read and dropped. */
abstract class Columns implements RecordSink {
  readonly width: number;
  count = 0;
  private capacity: number;
  protected readonly fieldIndex: Map<string, number>;

  constructor(kind: string, fields: string[], required: string[], capacity: number) {
    for (const name of required) {
      if (!fields.includes(name)) throw new SnapshotFormatError(`not a V8 heap snapshot: ${kind}_fields has no '${name}'`);
    }
    this.width = fields.length;
    this.fieldIndex = new Map(fields.map((f, k) => [f, k]));
    this.capacity = capacity;
  }

  flush(batch: Float64Array, length: number): void {
    const records = length / this.width;
    if (this.count + records > this.capacity) {
      this.capacity = Math.max(1024, this.capacity * 2, this.count + records);
      this.resize(this.capacity);
    }
    this.store(batch, records, this.count);
    this.count += records;
  }

  protected field(name: string): number {
    return this.fieldIndex.get(name) ?? -1;
  }

  protected abstract store(batch: Float64Array, records: number, at: number): void;
  protected abstract resize(size: number): void;
}

class NodeColumns extends Columns {
  type: Uint8Array;
  name: Uint32Array;
  id: Uint32Array;
  selfSize: Uint32Array | Float64Array;
  edgeCount: Uint32Array;
  traceNodeId: Uint32Array | null;

  constructor(fields: string[], capacity: number, tracked: boolean) {
    super('node', fields, ['type', 'name', 'id', 'self_size', 'edge_count'], capacity);
    this.type = new Uint8Array(capacity);
    this.name = new Uint32Array(capacity);
    this.id = new Uint32Array(capacity);
    this.selfSize = new Uint32Array(capacity);
    this.edgeCount = new Uint32Array(capacity);
    // Trace node ids are all zero unless allocations were tracked: skip the column then.
    this.traceNodeId = tracked && fields.includes('trace_node_id') ? new Uint32Array(capacity) : null;
  }

  protected store(batch: Float64Array, records: number, at: number): void {
    const w = this.width;
    copyToUint8(batch, records, w, this.field('type'), this.type, at);
    copyToUint32(batch, records, w, this.field('name'), this.name, at);
    copyToUint32(batch, records, w, this.field('id'), this.id, at);
    const selfField = this.field('self_size');
    if (this.selfSize instanceof Uint32Array) {
      for (let r = 0, j = selfField; r < records; r++, j += w) {
        if (batch[j] > 0xffffffff) {
          this.selfSize = new Float64Array(this.selfSize);
          break;
        }
      }
    }
    if (this.selfSize instanceof Uint32Array) copyToUint32(batch, records, w, selfField, this.selfSize, at);
    else copyToFloat64(batch, records, w, selfField, this.selfSize, at);
    copyToUint32(batch, records, w, this.field('edge_count'), this.edgeCount, at);
    if (this.traceNodeId) copyToUint32(batch, records, w, this.field('trace_node_id'), this.traceNodeId, at);
  }

  protected resize(size: number): void {
    this.type = grow(this.type, size);
    this.name = grow(this.name, size);
    this.id = grow(this.id, size);
    this.selfSize = grow(this.selfSize, size);
    this.edgeCount = grow(this.edgeCount, size);
    if (this.traceNodeId) this.traceNodeId = grow(this.traceNodeId, size);
  }
}

class EdgeColumns extends Columns {
  type: Uint8Array;
  nameOrIndex: Uint32Array;
  toNode: Uint32Array;

  constructor(
    fields: string[],
    private readonly nodeFieldCount: number,
    capacity: number,
  ) {
    super('edge', fields, ['type', 'name_or_index', 'to_node'], capacity);
    this.type = new Uint8Array(capacity);
    this.nameOrIndex = new Uint32Array(capacity);
    this.toNode = new Uint32Array(capacity);
  }

  protected store(batch: Float64Array, records: number, at: number): void {
    const width = this.width;
    copyToUint8(batch, records, width, this.field('type'), this.type, at);
    copyToUint32(batch, records, width, this.field('name_or_index'), this.nameOrIndex, at);
    const nodeFieldCount = this.nodeFieldCount;
    const toNode = this.toNode;
    for (let r = 0, j = this.field('to_node'); r < records; r++, j += width) {
      const ordinal = batch[j] / nodeFieldCount;
      if (ordinal !== Math.floor(ordinal)) {
        throw new SnapshotFormatError(`edge ${at + r} points into the middle of a node (to_node ${batch[j]})`);
      }
      toNode[at + r] = ordinal;
    }
  }

  protected resize(size: number): void {
    this.type = grow(this.type, size);
    this.nameOrIndex = grow(this.nameOrIndex, size);
    this.toNode = grow(this.toNode, size);
  }
}

/** Streams the `locations` section straight into its table, by the node it belongs to. */
class LocationColumns implements RecordSink {
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

  flush(batch: Float64Array, length: number): void {
    const [object, script, line, column] = this.at;
    const scriptObject = this.scriptObject;
    for (let j = 0; j < length; j += this.width) {
      const scriptNode = scriptObject < 0 ? -1 : batch[j + scriptObject] / this.nodeFieldCount;
      this.table.add(batch[j + object] / this.nodeFieldCount, batch[j + script], batch[j + line], batch[j + column], scriptNode);
    }
  }
}

type SectionKind = 'header' | 'numbers' | 'strings' | 'capture' | 'skip';

/**
 * Scans one JSON value of any shape, optionally keeping its bytes. Used for the small
 * `snapshot` header, for `trace_tree`, and to step over sections we don't know.
 */
class ValueScanner {
  private started = false;
  private depth = 0;
  private inString = false;
  private escape = false;
  private primitive = false;
  private readonly parts: Buffer[] = [];
  private kept = 0;
  overflowed = false;

  constructor(private readonly keep: boolean) {}

  /** Returns the index just past the value, or -1 if it continues in the next chunk. */
  scan(buf: Uint8Array, start: number, end: number): number {
    let i = start;
    for (; i < end; i++) {
      const c = buf[i];
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === BACKSLASH) this.escape = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.depth === 0) return this.done(buf, start, i + 1);
        }
        continue;
      }
      if (!this.started) {
        if (isSpace(c)) {
          start = i + 1;
          continue;
        }
        this.started = true;
        if (c === LBRACE || c === LBRACKET) this.depth = 1;
        else if (c === QUOTE) this.inString = true;
        else this.primitive = true;
        continue;
      }
      if (this.primitive) {
        if (c === COMMA || c === RBRACE || isSpace(c)) return this.done(buf, start, i);
        continue;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === LBRACE || c === LBRACKET) this.depth++;
      else if (c === RBRACE || c === RBRACKET) {
        if (--this.depth === 0) return this.done(buf, start, i + 1);
      }
    }
    this.keepBytes(buf, start, end);
    return -1;
  }

  text(): string {
    return Buffer.concat(this.parts).toString('utf8');
  }

  private done(buf: Uint8Array, start: number, end: number): number {
    this.keepBytes(buf, start, end);
    return end;
  }

  private keepBytes(buf: Uint8Array, start: number, end: number): void {
    if (!this.keep || this.overflowed || end <= start) return;
    this.kept += end - start;
    if (this.kept > MAX_CAPTURE_BYTES) {
      this.overflowed = true;
      this.parts.length = 0;
      return;
    }
    this.parts.push(Buffer.from(buf.subarray(start, end)));
  }
}

/** Reads a JSON array of strings, one string at a time. */
class StringArrayReader {
  readonly strings: string[] = [];
  private opened = false;
  private inString = false;
  /** The last byte seen inside the string was an escaping backslash. */
  private escape = false;
  /** Bytes of a string that began in an earlier chunk. */
  private pending: Buffer[] = [];

  /** Returns the index just past the closing bracket, or -1 if the array goes on. */
  read(buf: Buffer, start: number, end: number, offset: number): number {
    let i = start;
    let backslash = -1;
    while (i < end) {
      if (this.inString) {
        // Fast path: the next quote comes before any backslash, so the string has no escapes.
        if (backslash < i) backslash = indexOrEnd(buf, BACKSLASH, i, end);
        const quote = indexOrEnd(buf, QUOTE, i, end);
        if (quote < backslash && quote < end && this.pending.length === 0) {
          this.strings.push(buf.toString('utf8', i, quote));
          this.inString = false;
          i = quote + 1;
          continue;
        }
        let escape = this.escape;
        let k = i;
        for (; k < end; k++) {
          const c = buf[k];
          if (escape) escape = false;
          else if (c === BACKSLASH) escape = true;
          else if (c === QUOTE) break;
        }
        if (k === end) {
          this.pending.push(Buffer.from(buf.subarray(i, end)));
          this.escape = escape;
          return -1;
        }
        this.strings.push(this.decode(buf.subarray(i, k)));
        this.inString = false;
        this.escape = false;
        i = k + 1;
        continue;
      }
      const c = buf[i];
      if (!this.opened) {
        if (c === LBRACKET) this.opened = true;
        else if (!isSpace(c)) throw unexpected(c, offset + i, "'[' to open the strings array");
      } else if (c === QUOTE) {
        this.inString = true;
      } else if (c === RBRACKET) {
        return i + 1;
      } else if (c !== COMMA && !isSpace(c)) {
        throw unexpected(c, offset + i, 'a string in the strings array');
      }
      i++;
    }
    return -1;
  }

  private decode(tail: Buffer): string {
    const bytes = this.pending.length ? Buffer.concat([...this.pending, tail]) : tail;
    this.pending = [];
    const raw = bytes.toString('utf8');
    return bytes.indexOf(BACKSLASH) === -1 ? raw : (JSON.parse('"' + raw + '"') as string);
  }
}

function indexOrEnd(buf: Buffer, byte: number, from: number, end: number): number {
  const at = buf.indexOf(byte, from);
  return at < 0 || at > end ? end : at;
}

function unexpected(c: number, at: number, wanted: string): SnapshotFormatError {
  return new SnapshotFormatError(`unexpected ${describeByte(c)} at byte ${at}, expected ${wanted}`);
}

/**
 * Push-based parser: feed() chunks in order, then finish(). Each section is read by the
 * reader for its key; keys we don't know are scanned over without keeping them.
 */
export class SnapshotParser {
  private top = Top.BeforeObject;
  private offset = 0;
  private key = '';
  private keyBytes: number[] = [];
  private section: SectionKind = 'skip';
  private firstKey = true;

  private header: SnapshotHeader | null = null;
  private nodes: NodeColumns | null = null;
  private edges: EdgeColumns | null = null;
  private stringsReader: StringArrayReader | null = null;
  private scanner: ValueScanner | null = null;
  private numbers: RecordSink | null = null;
  private numberState = { opened: false, value: 0, inNumber: false, negative: false };
  private batch = new Float64Array(0);
  private batchLength = 0;
  private readonly generic = new Map<string, GrowableNumbers>();
  private locations: LocationColumns | null = null;
  private traceTreeText: string | null = null;

  get bytesRead(): number {
    return this.offset;
  }

  feed(bytes: Uint8Array): void {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    const end = buf.length;
    let i = 0;
    while (i < end) {
      switch (this.top) {
        case Top.BeforeObject: {
          const c = buf[i];
          if (c === LBRACE) this.top = Top.BeforeKey;
          else if (!isSpace(c)) {
            throw new SnapshotFormatError(
              `not a heap snapshot: ${describeByte(c)} at byte ${this.offset + i}, a .heapsnapshot file starts with '{'`,
            );
          }
          i++;
          break;
        }
        case Top.BeforeKey: {
          const c = buf[i];
          if (c === QUOTE) {
            this.top = Top.InKey;
            this.keyBytes = [];
          } else if (c === RBRACE) {
            this.top = Top.AfterObject;
          } else if (c !== COMMA && !isSpace(c)) {
            throw unexpected(c, this.offset + i, 'a key of the top-level object');
          }
          i++;
          break;
        }
        case Top.InKey: {
          const c = buf[i++];
          if (c === QUOTE) {
            this.key = Buffer.from(this.keyBytes).toString('utf8');
            this.top = Top.BeforeColon;
          } else if (this.keyBytes.length > 1024) {
            throw new SnapshotFormatError(`not a heap snapshot: a top-level key longer than 1 KB at byte ${this.offset + i}`);
          } else {
            this.keyBytes.push(c);
          }
          break;
        }
        case Top.BeforeColon: {
          const c = buf[i];
          if (c === COLON) this.beginValue(this.offset + i);
          else if (!isSpace(c)) throw unexpected(c, this.offset + i, "':'");
          i++;
          break;
        }
        case Top.InValue: {
          const next = this.readValue(buf, i, end);
          if (next < 0) {
            i = end;
          } else {
            this.endValue();
            i = next;
          }
          break;
        }
        case Top.AfterObject: {
          const c = buf[i];
          if (!isSpace(c)) throw unexpected(c, this.offset + i, 'the end of the file');
          i++;
          break;
        }
      }
    }
    this.offset += end;
  }

  finish(): RawSnapshot {
    if (this.offset === 0) throw new SnapshotFormatError('the file is empty');
    if (this.top !== Top.AfterObject) {
      const where = this.top === Top.InValue ? ` inside '${this.key}'` : '';
      throw new SnapshotFormatError(`truncated at byte ${this.offset}${where}: the snapshot ends before its closing '}'`);
    }
    const header = this.header;
    const nodes = this.nodes;
    const edges = this.edges;
    const strings = this.stringsReader?.strings;
    if (!header || !nodes || !edges || !strings) {
      const missing = [!header && 'snapshot', !nodes && 'nodes', !edges && 'edges', !strings && 'strings'].filter(Boolean);
      throw new SnapshotFormatError(`not a heap snapshot: no ${missing.map((m) => `'${m}'`).join(', ')} section`);
    }
    if (header.node_count !== undefined && header.node_count !== nodes.count) {
      throw new SnapshotFormatError(`the snapshot declares ${header.node_count} nodes but holds ${nodes.count}`);
    }
    if (header.edge_count !== undefined && header.edge_count !== edges.count) {
      throw new SnapshotFormatError(`the snapshot declares ${header.edge_count} edges but holds ${edges.count}`);
    }
    const locations = this.locations?.table ?? new LocationTable(nodes.count, 1);
    return assemble(header, nodes, edges, strings, locations, this.generic, this.traceTreeText);
  }

  private beginValue(at: number): void {
    this.top = Top.InValue;
    const key = this.key;
    if (this.firstKey && key !== 'snapshot') {
      throw new SnapshotFormatError(`not a heap snapshot: the first key is '${key.slice(0, 40)}' (at byte ${at}), expected 'snapshot'`);
    }
    this.firstKey = false;
    this.numberState = { opened: false, value: 0, inNumber: false, negative: false };
    this.batchLength = 0;
    if (key === 'snapshot') {
      this.section = 'header';
      this.scanner = new ValueScanner(true);
    } else if (key === 'nodes' || key === 'edges') {
      const header = this.requireHeader(key);
      const meta = header.meta;
      if (key === 'nodes') {
        this.nodes = new NodeColumns(meta.node_fields, header.node_count ?? 0, header.trace_function_count !== 0);
        this.beginNumbers(this.nodes);
      } else {
        this.edges = new EdgeColumns(meta.edge_fields, meta.node_fields.length, header.edge_count ?? 0);
        this.beginNumbers(this.edges);
      }
    } else if (key === 'strings') {
      this.section = 'strings';
      this.stringsReader = new StringArrayReader();
    } else if (key === 'locations' && this.nodes && this.header?.meta.location_fields) {
      this.locations = new LocationColumns(this.header.meta.location_fields, this.nodes.count, this.header.meta.node_fields.length);
      this.beginNumbers(this.locations);
    } else if (key === 'samples' || key === 'trace_function_infos') {
      const sink = new GrowableNumbers();
      this.generic.set(key, sink);
      this.beginNumbers(sink);
    } else if (key === 'trace_tree') {
      this.section = 'capture';
      this.scanner = new ValueScanner(true);
    } else {
      this.section = 'skip';
      this.scanner = new ValueScanner(false);
    }
  }

  private beginNumbers(sink: RecordSink): void {
    this.section = 'numbers';
    this.numbers = sink;
    const size = 65536 - (65536 % sink.width);
    if (this.batch.length !== size) this.batch = new Float64Array(size);
  }

  private requireHeader(key: string): SnapshotHeader {
    if (!this.header) throw new SnapshotFormatError(`not a heap snapshot: '${key}' comes before the 'snapshot' header`);
    return this.header;
  }

  private readValue(buf: Buffer, start: number, end: number): number {
    switch (this.section) {
      case 'numbers':
        return this.readNumbers(buf, start, end);
      case 'strings':
        return this.stringsReader!.read(buf, start, end, this.offset);
      default:
        return this.scanner!.scan(buf, start, end);
    }
  }

  private endValue(): void {
    if (this.section === 'header') this.header = parseHeader(this.scanner!.text());
    else if (this.section === 'capture' && !this.scanner!.overflowed) this.traceTreeText = this.scanner!.text();
    else if (this.section === 'numbers') {
      const sink = this.numbers!;
      if (this.batchLength % sink.width !== 0) throw new SnapshotFormatError(`'${this.key}' ends in the middle of a record`);
      sink.flush(this.batch, this.batchLength);
      this.batchLength = 0;
    }
    this.scanner = null;
    this.numbers = null;
    this.top = Top.BeforeKey;
  }

  /** The hot loop: digits to integers, batched into whole records for the section's sink. */
  private readNumbers(buf: Uint8Array, start: number, end: number): number {
    const state = this.numberState;
    let i = start;
    if (!state.opened) {
      for (; i < end; i++) {
        const c = buf[i];
        if (c === LBRACKET) {
          state.opened = true;
          i++;
          break;
        }
        if (!isSpace(c)) throw unexpected(c, this.offset + i, `'[' to open '${this.key}'`);
      }
      if (!state.opened) return -1;
    }
    const sink = this.numbers!;
    const batch = this.batch;
    const capacity = batch.length;
    let length = this.batchLength;
    let value = state.value;
    let inNumber = state.inNumber;
    let negative = state.negative;
    while (i < end) {
      let c = buf[i];
      if (c >= ZERO && c <= NINE) {
        // Read the whole run of digits in one tight loop; a number cut by the chunk's end
        // carries over in `value`.
        let v = value;
        do {
          v = v * 10 + (c - ZERO);
          if (++i === end) break;
          c = buf[i];
        } while (c >= ZERO && c <= NINE);
        value = v;
        inNumber = true;
        if (i === end) break;
        // `c` is the byte that ended the number: emit it below, then handle `c`.
      }
      if (inNumber) {
        batch[length++] = negative ? -value : value;
        if (length === capacity) {
          sink.flush(batch, length);
          length = 0;
        }
        value = 0;
        inNumber = false;
        negative = false;
      }
      if (c === COMMA || isSpace(c)) {
        i++;
        continue;
      }
      if (c === RBRACKET) {
        this.batchLength = length;
        return i + 1;
      }
      if (c === MINUS && !negative && sink instanceof GrowableNumbers) {
        negative = true;
        i++;
        continue;
      }
      throw unexpected(c, this.offset + i, `a number in '${this.key}'`);
    }
    this.batchLength = length;
    state.value = value;
    state.inNumber = inNumber;
    state.negative = negative;
    return -1;
  }
}

function describeByte(c: number): string {
  return c >= 32 && c < 127 ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

function parseHeader(text: string): SnapshotHeader {
  let header: SnapshotHeader;
  try {
    header = JSON.parse(text) as SnapshotHeader;
  } catch {
    throw new SnapshotFormatError("not a heap snapshot: its 'snapshot' header is not valid JSON");
  }
  const meta = header?.meta;
  if (!meta || !Array.isArray(meta.node_fields) || !Array.isArray(meta.edge_fields)) {
    throw new SnapshotFormatError("not a heap snapshot: 'snapshot.meta' has no node_fields/edge_fields");
  }
  if (!Array.isArray(meta.node_types) || !Array.isArray(meta.node_types[meta.node_fields.indexOf('type')])) {
    throw new SnapshotFormatError("not a heap snapshot: 'snapshot.meta.node_types' does not list the node types");
  }
  if (!Array.isArray(meta.edge_types) || !Array.isArray(meta.edge_types[meta.edge_fields.indexOf('type')])) {
    throw new SnapshotFormatError("not a heap snapshot: 'snapshot.meta.edge_types' does not list the edge types");
  }
  return header;
}

/** Reads records of a flat numeric section by field name (layouts come from snapshot.meta). */
function fieldReader(fields: string[] | undefined, values: Float64Array | undefined) {
  if (!fields || !values || fields.length === 0) return null;
  const width = fields.length;
  return {
    count: Math.floor(values.length / width),
    get(record: number, field: string): number {
      const k = fields.indexOf(field);
      return k < 0 ? -1 : values[record * width + k];
    },
  };
}

function assemble(
  header: SnapshotHeader,
  nodes: NodeColumns,
  edges: EdgeColumns,
  strings: string[],
  locations: LocationTable,
  generic: Map<string, GrowableNumbers>,
  traceTreeText: string | null,
): RawSnapshot {
  const { meta } = header;
  const nodeCount = nodes.count;

  let samples: RawSnapshot['samples'] = null;
  const smp = fieldReader(meta.sample_fields, generic.get('samples')?.toArray());
  if (smp && smp.count > 0) {
    const timestampUs = new Float64Array(smp.count);
    const lastAssignedId = new Float64Array(smp.count);
    for (let r = 0; r < smp.count; r++) {
      timestampUs[r] = smp.get(r, 'timestamp_us');
      lastAssignedId[r] = smp.get(r, 'last_assigned_id');
    }
    samples = { timestampUs, lastAssignedId };
  }

  const traceFunctionInfos: TraceFunctionInfo[] = [];
  const tfi = fieldReader(meta.trace_function_info_fields, generic.get('trace_function_infos')?.toArray());
  if (tfi) {
    for (let r = 0; r < tfi.count; r++) {
      traceFunctionInfos.push({
        name: strings[tfi.get(r, 'name')] ?? '',
        scriptName: strings[tfi.get(r, 'script_name')] ?? '',
        scriptId: tfi.get(r, 'script_id'),
        line: tfi.get(r, 'line'),
        column: tfi.get(r, 'column'),
      });
    }
  }

  return {
    meta,
    nodeCount,
    edgeCount: edges.count,
    nodeTypeNames: meta.node_types[meta.node_fields.indexOf('type')] as string[],
    edgeTypeNames: meta.edge_types[meta.edge_fields.indexOf('type')] as string[],
    nodeType: nodes.type.subarray(0, nodeCount),
    nodeName: nodes.name.subarray(0, nodeCount),
    nodeId: nodes.id.subarray(0, nodeCount),
    nodeSelfSize: nodes.selfSize.subarray(0, nodeCount),
    nodeEdgeCount: nodes.edgeCount.subarray(0, nodeCount),
    nodeTraceNodeId: nodes.traceNodeId?.subarray(0, nodeCount) ?? null,
    edgeType: edges.type.subarray(0, edges.count),
    edgeNameOrIndex: edges.nameOrIndex.subarray(0, edges.count),
    edgeToNode: edges.toNode.subarray(0, edges.count),
    strings,
    locations,
    samples,
    traceFunctionInfos,
    traceTree: parseTraceTree(meta, traceTreeText),
    extraNativeBytes: Number.isFinite(header.extra_native_bytes) ? Math.max(0, header.extra_native_bytes!) : 0,
  };
}

/** Flattens the nested trace tree ([id, function_info_index, count, size, [children…]] …) into parent links. */
function parseTraceTree(meta: SnapshotMeta, text: string | null): RawSnapshot['traceTree'] {
  const tree: RawSnapshot['traceTree'] = new Map();
  const fields = meta.trace_node_fields;
  if (!text || !fields) return tree;
  const width = fields.length;
  const idAt = fields.indexOf('id');
  const infoAt = fields.indexOf('function_info_index');
  const childrenAt = fields.indexOf('children');
  if (idAt < 0 || infoAt < 0 || childrenAt < 0) return tree;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return tree;
  }
  const stack: Array<{ list: unknown[]; parent: number }> = [{ list: parsed as unknown[], parent: 0 }];
  while (stack.length) {
    const { list, parent } = stack.pop()!;
    if (!Array.isArray(list)) continue;
    for (let k = 0; k + width <= list.length; k += width) {
      const id = list[k + idAt] as number;
      tree.set(id, { functionInfo: list[k + infoAt] as number, parent });
      stack.push({ list: list[k + childrenAt] as unknown[], parent: id });
    }
  }
  return tree;
}

export interface ParseOptions {
  /** Called after each chunk with bytes read so far and the file size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Polled between chunks; when it returns true the parse stops with CancelledError. */
  isCancelled?: () => boolean;
  chunkSize?: number;
}

/** Parses a .heapsnapshot file from disk, chunk by chunk. */
export function parseSnapshotFile(path: string, options: ParseOptions = {}): RawSnapshot {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw fileError(path, error);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new SnapshotFormatError(`${path} is a directory, not a heap snapshot file`);
    if (stat.size === 0) throw new SnapshotFormatError(`${path} is empty`);
    const parser = new SnapshotParser();
    const chunk = Buffer.allocUnsafe(options.chunkSize ?? 4 * 1024 * 1024);
    for (;;) {
      if (options.isCancelled?.()) throw new CancelledError();
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (error) {
        throw fileError(path, error);
      }
      if (n === 0) break;
      withPath(path, () => parser.feed(n === chunk.length ? chunk : chunk.subarray(0, n)));
      options.onProgress?.(parser.bytesRead, stat.size);
    }
    return withPath(path, () => parser.finish());
  } finally {
    closeSync(fd);
  }
}

function withPath<T>(path: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof SnapshotFormatError) throw new SnapshotFormatError(`${path}: ${error.message}`);
    throw error;
  }
}

/** Parses a whole snapshot held in memory (tests, small CDP captures). */
export function parseSnapshotBuffer(bytes: Uint8Array): RawSnapshot {
  const parser = new SnapshotParser();
  parser.feed(bytes);
  return parser.finish();
}

function fileError(path: string, error: unknown): SnapshotFormatError {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return new SnapshotFormatError(`${path}: no such file`);
  if (code === 'EISDIR') return new SnapshotFormatError(`${path} is a directory, not a heap snapshot file`);
  if (code === 'EACCES') return new SnapshotFormatError(`${path}: permission denied`);
  return new SnapshotFormatError(`${path}: ${(error as Error)?.message ?? String(error)}`);
}
