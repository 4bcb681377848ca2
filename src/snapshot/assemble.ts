import { LocationTable, RawSnapshot, SnapshotFormatError, SnapshotMeta, TraceFunctionInfo } from './format.ts';
import { Sections } from './sections.ts';

/** Whether a node name is V8's NativeContext: plain, or named by a debugger ('… / <name>'). */
export function isNativeContextName(name: string): boolean {
  return name === 'system / NativeContext' || name.startsWith('system / NativeContext / ');
}

/** The sections read, checked against each other and the header, as one RawSnapshot. */
export function assemble(sections: Sections): RawSnapshot {
  const { header, nodes, edges, strings } = sections;
  if (!header || !nodes || !edges || !strings) {
    const missing = [!header && 'snapshot', !nodes && 'nodes', !edges && 'edges', !strings && 'strings'].filter(Boolean);
    throw new SnapshotFormatError(`not a heap snapshot: no ${missing.map((m) => `'${m}'`).join(', ')} section`);
  }
  const { nodeCount, edgeCount } = sections;
  if (header.node_count !== undefined && header.node_count !== nodeCount) {
    throw new SnapshotFormatError(`the snapshot declares ${header.node_count} nodes but holds ${nodeCount}`);
  }
  if (header.edge_count !== undefined && header.edge_count !== edgeCount) {
    throw new SnapshotFormatError(`the snapshot declares ${header.edge_count} edges but holds ${edgeCount}`);
  }
  if (nodeCount === 0) throw new SnapshotFormatError('the snapshot has no nodes');
  const { meta } = header;
  const n = nodes.arrays;
  const e = edges.arrays;
  const firstEdge = firstEdges(n.edgeCount.subarray(0, nodeCount + 1), nodeCount, edgeCount);
  const toNode = e.toNode.subarray(0, edgeCount);
  for (let k = 0; k < edgeCount; k++) {
    if (toNode[k] >= nodeCount) throw new SnapshotFormatError(`edge ${k} points to node ${toNode[k]}, past the last node (${nodeCount - 1})`);
  }
  let selfSize: Uint32Array | Float64Array = n.selfSize.subarray(0, nodeCount);
  if (nodes.oversized.length > 0) {
    selfSize = new Float64Array(selfSize);
    for (let k = 0; k < nodes.oversized.length; k += 2) selfSize[nodes.oversized[k]] = nodes.oversized[k + 1];
  }
  const raw: RawSnapshot = {
    meta,
    nodeCount,
    edgeCount,
    nodeTypeNames: meta.node_types[meta.node_fields.indexOf('type')] as string[],
    edgeTypeNames: meta.edge_types[meta.edge_fields.indexOf('type')] as string[],
    nodeType: n.type.subarray(0, nodeCount),
    nodeName: n.name.subarray(0, nodeCount),
    nodeId: n.id.subarray(0, nodeCount),
    nodeSelfSize: selfSize,
    firstEdge,
    nodeTraceNodeId: n.traceNodeId?.subarray(0, nodeCount) ?? null,
    edgeType: e.type.subarray(0, edgeCount),
    edgeNameOrIndex: e.nameOrIndex.subarray(0, edgeCount),
    edgeToNode: toNode,
    strings,
    locations: sealed(sections.locations?.table ?? new LocationTable(nodeCount, 1)),
    ...traces(meta, sections, strings),
    extraNativeBytes: Number.isFinite(header.extra_native_bytes) ? Math.max(0, header.extra_native_bytes!) : 0,
  };
  rootAtGlobalObjects(raw);
  return raw;
}

/** A table the parser did not seal (its section cut short), sealed. */
function sealed(table: LocationTable): LocationTable {
  table.seal();
  return table;
}

/** Per-node edge counts to first-edge offsets, in place (the array has one slot more than nodes). */
function firstEdges(counts: Uint32Array, nodeCount: number, edgeCount: number): Uint32Array {
  let sum = 0;
  for (let k = 0; k < nodeCount; k++) {
    const count = counts[k];
    counts[k] = sum;
    sum += count;
  }
  counts[nodeCount] = sum;
  if (sum !== edgeCount) throw new SnapshotFormatError(`the nodes' edge counts add up to ${sum}, but the snapshot holds ${edgeCount} edges`);
  return counts;
}

/**
 * V8 14 (Node 26) roots the program's side of the heap at its NativeContext, older V8 at
 * the global object the context holds. Pointing the root's edge at the global object makes
 * every version read alike: paths start at the program's globals, and the context's
 * internal slots are V8's (system) rather than the holder of the whole heap.
 */
function rootAtGlobalObjects(raw: RawSnapshot): void {
  const { firstEdge, edgeToNode, edgeType, edgeNameOrIndex, strings } = raw;
  const shortcut = raw.edgeTypeNames.indexOf('shortcut');
  const weak = raw.edgeTypeNames.indexOf('weak');
  const named = new Set(['context', 'property', 'internal', 'shortcut'].map((t) => raw.edgeTypeNames.indexOf(t)));
  for (let e = firstEdge[0]; e < firstEdge[1]; e++) {
    const context = edgeToNode[e];
    if (edgeType[e] !== shortcut || !isNativeContextName(strings[raw.nodeName[context]] ?? '')) continue;
    for (let c = firstEdge[context]; c < firstEdge[context + 1]; c++) {
      if (edgeType[c] !== weak && named.has(edgeType[c]) && strings[edgeNameOrIndex[c]] === 'global_object') {
        edgeToNode[e] = edgeToNode[c];
        break;
      }
    }
  }
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

function traces(meta: SnapshotMeta, sections: Sections, strings: string[]): Pick<RawSnapshot, 'samples' | 'traceFunctionInfos' | 'traceTree' | 'notes'> {
  let samples: RawSnapshot['samples'] = null;
  const smp = fieldReader(meta.sample_fields, sections.numbers.get('samples')?.toArray());
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
  const tfi = fieldReader(meta.trace_function_info_fields, sections.numbers.get('trace_function_infos')?.toArray());
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
  const { tree, note } = parseTraceTree(meta, sections.traceTreeText);
  return { samples, traceFunctionInfos, traceTree: tree, notes: note ? [`${note}: objects are shown without the stack that allocated them`] : [] };
}

/** Flattens the nested trace tree ([id, function_info_index, count, size, [children…]] …) into parent links. */
function parseTraceTree(meta: SnapshotMeta, text: string | 'too big' | null): { tree: RawSnapshot['traceTree']; note: string | null } {
  const tree: RawSnapshot['traceTree'] = new Map();
  const fields = meta.trace_node_fields;
  if (text === null) return { tree, note: null };
  if (text === 'too big') return { tree, note: "the snapshot's allocation trace tree is too big to read" };
  const width = fields?.length ?? 0;
  const idAt = fields?.indexOf('id') ?? -1;
  const infoAt = fields?.indexOf('function_info_index') ?? -1;
  const childrenAt = fields?.indexOf('children') ?? -1;
  if (idAt < 0 || infoAt < 0 || childrenAt < 0) return { tree, note: "the snapshot's trace_node_fields lack id, function_info_index or children" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { tree, note: `the snapshot's trace_tree is not valid JSON (${(error as Error).message})` };
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
  return { tree, note: null };
}

