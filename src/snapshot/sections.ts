import { SnapshotFormatError, SnapshotHeader } from './format.ts';
import { allocateEdges, allocateNodes, EdgeColumns, GrowableNumbers, LocationColumns, NodeColumns, plainMemory, SHARED_FROM_NODES, sharedMemory } from './columns.ts';
import {
  COLON,
  COMMA,
  describeByte,
  isSpace,
  LBRACE,
  NumberArrayReader,
  QUOTE,
  RBRACE,
  StringArrayReader,
  unexpected,
  ValueScanner,
} from './json-bytes.ts';

const enum Top {
  BeforeObject,
  BeforeKey,
  InKey,
  BeforeColon,
  InValue,
  AfterObject,
}

/** What the sections of a snapshot file hold, before assembly. */
export interface Sections {
  header: SnapshotHeader | null;
  nodes: NodeColumns | null;
  nodeCount: number;
  edges: EdgeColumns | null;
  edgeCount: number;
  strings: string[] | null;
  locations: LocationColumns | null;
  /** Flat numeric sections kept whole, by key (samples, trace_function_infos). */
  numbers: Map<string, GrowableNumbers>;
  /** The trace tree's JSON text; 'too big' past the bytes kept of one value. */
  traceTreeText: string | 'too big' | null;
}

type Reader =
  | { kind: 'scan'; scanner: ValueScanner; keep: 'header' | 'trace' | null }
  | { kind: 'numbers'; reader: NumberArrayReader; done: (count: number) => void }
  | { kind: 'strings'; reader: StringArrayReader };

export interface ParserStart {
  /** Stop once the header is read: `headerEnd` then says where it ended. */
  headerOnly?: boolean;
  /**
   * Start inside the top-level object, before a key, with the header already read and the
   * nodes and edges read elsewhere (by other threads).
   */
  resumeAfter?: { header: SnapshotHeader; nodeCount: number; offset: number };
}

/**
 * The state machine over the top-level object: feed() chunks in order, then sections().
 * Each section is read by the reader for its key; keys we don't know are scanned over
 * without keeping them.
 */
export class SnapshotParser {
  private top = Top.BeforeObject;
  private offset = 0;
  private key = '';
  private keyBytes: number[] = [];
  private firstKey = true;
  private reader: Reader | null = null;
  private readonly found: Sections = {
    header: null,
    nodes: null,
    nodeCount: 0,
    edges: null,
    edgeCount: 0,
    strings: null,
    locations: null,
    numbers: new Map(),
    traceTreeText: null,
  };
  /** With `headerOnly`: the byte just past the header's value, once read. */
  headerEnd = -1;

  constructor(private readonly start: ParserStart = {}) {
    const resume = start.resumeAfter;
    if (resume) {
      this.top = Top.BeforeKey;
      this.firstKey = false;
      this.offset = resume.offset;
      this.found.header = resume.header;
      this.found.nodeCount = resume.nodeCount;
    }
  }

  get bytesRead(): number {
    return this.offset;
  }

  feed(bytes: Uint8Array): void {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    const end = buf.length;
    let i = 0;
    while (i < end && this.headerEnd < 0) {
      switch (this.top) {
        case Top.BeforeObject: {
          const c = buf[i];
          if (c === LBRACE) this.top = Top.BeforeKey;
          else if (!isSpace(c)) {
            throw new SnapshotFormatError(`not a heap snapshot: ${describeByte(c)} at byte ${this.offset + i}, a .heapsnapshot file starts with '{'`);
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
            this.endValue(this.offset + next);
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
    this.offset += i;
  }

  /** Whether the top-level object's closing brace was read: nothing but white space may follow. */
  get complete(): boolean {
    return this.top === Top.AfterObject;
  }

  /** The sections read, once the whole object was fed. */
  sections(): Sections {
    if (this.offset === 0) throw new SnapshotFormatError('the file is empty');
    if (this.top !== Top.AfterObject) {
      const where = this.top === Top.InValue ? ` inside '${this.key}'` : '';
      throw new SnapshotFormatError(`truncated at byte ${this.offset}${where}: the snapshot ends before its closing '}'`);
    }
    return this.found;
  }

  /** The header, once read. */
  get header(): SnapshotHeader | null {
    return this.found.header;
  }

  private beginValue(at: number): void {
    this.top = Top.InValue;
    const key = this.key;
    if (this.firstKey && key !== 'snapshot') {
      throw new SnapshotFormatError(`not a heap snapshot: the first key is '${key.slice(0, 40)}' (at byte ${at}), expected 'snapshot'`);
    }
    this.firstKey = false;
    const found = this.found;
    if (key === 'snapshot') {
      this.reader = { kind: 'scan', scanner: new ValueScanner(true), keep: 'header' };
    } else if (key === 'nodes') {
      const { meta, node_count: count = 0, trace_function_count: traced } = this.requireHeader(key);
      const nodes = new NodeColumns(meta.node_fields, allocateNodes(count, traced !== 0, count >= SHARED_FROM_NODES ? sharedMemory : plainMemory), false);
      found.nodes = nodes;
      this.readNumbers(nodes, (n) => (found.nodeCount = n / nodes.width));
    } else if (key === 'edges') {
      const { meta, edge_count: count = 0, node_count: nodeCount = 0 } = this.requireHeader(key);
      const edges = new EdgeColumns(meta.edge_fields, meta.node_fields.length, allocateEdges(count, nodeCount >= SHARED_FROM_NODES ? sharedMemory : plainMemory), false);
      found.edges = edges;
      this.readNumbers(edges, (n) => (found.edgeCount = n / edges.width));
    } else if (key === 'strings') {
      const reader = new StringArrayReader();
      found.strings = reader.strings;
      this.reader = { kind: 'strings', reader };
    } else if (key === 'locations' && found.header?.meta.location_fields && (found.nodes || this.start.resumeAfter)) {
      const { meta } = found.header;
      const locations = (found.locations = new LocationColumns(meta.location_fields!, found.nodeCount, meta.node_fields.length));
      // Sorted as soon as read: on a big file, while the other threads still read the edges.
      this.readNumbers(locations, () => locations.table.seal());
    } else if (key === 'samples' || key === 'trace_function_infos') {
      const sink = new GrowableNumbers();
      found.numbers.set(key, sink);
      this.readNumbers(sink, () => {}, true);
    } else if (key === 'trace_tree') {
      this.reader = { kind: 'scan', scanner: new ValueScanner(true), keep: 'trace' };
    } else {
      this.reader = { kind: 'scan', scanner: new ValueScanner(false), keep: null };
    }
  }

  private readNumbers(sink: NodeColumns | EdgeColumns | LocationColumns | GrowableNumbers, done: (count: number) => void, allowNegative = false): void {
    this.reader = { kind: 'numbers', reader: new NumberArrayReader(sink, this.key, allowNegative), done };
  }

  private requireHeader(key: string): SnapshotHeader {
    if (!this.found.header) throw new SnapshotFormatError(`not a heap snapshot: '${key}' comes before the 'snapshot' header`);
    return this.found.header;
  }

  private readValue(buf: Buffer, start: number, end: number): number {
    const reader = this.reader!;
    switch (reader.kind) {
      case 'numbers':
        return reader.reader.read(buf, start, end, this.offset);
      case 'strings':
        return reader.reader.read(buf, start, end, this.offset);
      case 'scan':
        return reader.scanner.scan(buf, start, end);
    }
  }

  private endValue(at: number): void {
    const reader = this.reader!;
    if (reader.kind === 'numbers') {
      const { width } = reader.reader.sink;
      if (reader.reader.count % width !== 0) throw new SnapshotFormatError(`'${this.key}' ends in the middle of a record`);
      reader.done(reader.reader.count);
    } else if (reader.kind === 'scan' && reader.keep === 'header') {
      this.found.header = parseHeader(reader.scanner.text());
      if (this.start.headerOnly) this.headerEnd = at;
    } else if (reader.kind === 'scan' && reader.keep === 'trace') {
      this.found.traceTreeText = reader.scanner.overflowed ? 'too big' : reader.scanner.text();
    }
    this.reader = null;
    this.top = Top.BeforeKey;
  }
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
