// Writes small .heapsnapshot documents by hand, in V8's layout, for tests with known answers.

export interface TestEdge {
  type?: string;
  name: string | number;
  to: number;
}

export interface TestNode {
  type?: string;
  name: string;
  id?: number;
  self?: number;
  edges?: TestEdge[];
  /** The allocation trace node that made it (`trace_node_id`), when traces are recorded. */
  trace?: number;
}

/** A frame of the allocation traces (`trace_function_infos`): 1-based line and column, as V8 writes them. */
export interface TestTraceFunction {
  name: string;
  script: string;
  scriptId: number;
  line: number;
  column: number;
}

/** A node of the trace tree: its id, the index of its function, and the frames it called. */
export interface TestTraceNode {
  id: number;
  fn: number;
  children?: TestTraceNode[];
}

export const NODE_TYPES = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape'];
export const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];

export interface BuildOptions {
  /** Extra node fields appended after V8's own, as a newer V8 might write. */
  extraNodeFields?: string[];
  extraTopLevel?: Record<string, unknown>;
  locations?: Array<[node: number, scriptId: number, line: number, column: number]>;
  /** Each location also names its script object's node, as newer V8 may (`script_object_index`). */
  scriptObjects?: number[];
  /** Extra fields in the `snapshot` header, such as `extra_native_bytes`. */
  header?: Record<string, unknown>;
  samples?: Array<[timestampUs: number, lastAssignedId: number]>;
  /** Allocation traces, as `--track-heap-objects` records them: the functions and the tree of calls. */
  traces?: { functions: TestTraceFunction[]; tree: TestTraceNode[] };
}

/** Node 0 must be the root. Edge `to` is a node index in the given list. */
export function buildSnapshot(nodes: TestNode[], options: BuildOptions = {}): string {
  const strings: string[] = [];
  const str = (s: string) => {
    let k = strings.indexOf(s);
    if (k < 0) k = strings.push(s) - 1;
    return k;
  };
  const extra = options.extraNodeFields ?? [];
  const nodeFields = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness', ...extra];
  const width = nodeFields.length;
  const nodeValues: number[] = [];
  const edgeValues: number[] = [];
  nodes.forEach((node, k) => {
    const edges = node.edges ?? [];
    nodeValues.push(typeOf(NODE_TYPES, node.type ?? 'object'), str(node.name), node.id ?? k * 2 + 1, node.self ?? 0, edges.length, node.trace ?? 0, 0, ...extra.map(() => 7));
    for (const edge of edges) {
      const type = edge.type ?? 'property';
      const name = type === 'element' || type === 'hidden' ? Number(edge.name) : str(String(edge.name));
      edgeValues.push(typeOf(EDGE_TYPES, type), name, edge.to * width);
    }
  });
  const meta = {
    node_fields: nodeFields,
    node_types: [NODE_TYPES, 'string', 'number', 'number', 'number', 'number', 'number', ...extra.map(() => 'number')],
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [EDGE_TYPES, 'string_or_number', 'node'],
    trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
    trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
    sample_fields: ['timestamp_us', 'last_assigned_id'],
    location_fields: ['object_index', 'script_id', 'line', 'column', ...(options.scriptObjects ? ['script_object_index'] : [])],
  };
  const functions = (options.traces?.functions ?? []).flatMap((f, k) => [k, str(f.name), str(f.script), f.scriptId, f.line, f.column]);
  const tree = (level: TestTraceNode[]): unknown[] => level.flatMap((t) => [t.id, t.fn, 0, 0, tree(t.children ?? [])]);
  const locations = (options.locations ?? []).flatMap(([n, s, l, c], k) => [n * width, s, l, c, ...(options.scriptObjects ? [options.scriptObjects[k] * width] : [])]);
  const doc = {
    snapshot: { meta, node_count: nodes.length, edge_count: edgeValues.length / 3, trace_function_count: options.traces?.functions.length ?? 0, ...options.header },
    nodes: nodeValues,
    edges: edgeValues,
    trace_function_infos: functions,
    trace_tree: tree(options.traces?.tree ?? []),
    samples: (options.samples ?? []).flat(),
    locations,
    ...options.extraTopLevel,
    strings,
  };
  return JSON.stringify(doc);
}

function typeOf(list: string[], name: string): number {
  const k = list.indexOf(name);
  return k < 0 ? list.length + 1 : k;
}
