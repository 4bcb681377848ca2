// @vscode/v8-heap-parser (Rust compiled to WebAssembly, used by VS Code's heap snapshot viewer).
// decode_bytes parses; retained sizes are computed lazily on the first query that needs them,
// so "to retained sizes" is decode + get_class_groups with retained sizes (the viewer's first call).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { args, fail, now, report, shortName, TopN } from './common.mjs';

const parser = createRequire(import.meta.url)('@vscode/v8-heap-parser');
const { file } = args();

/** Runs a step; a Rust panic or allocation failure surfaces as a bare "unreachable" trap. */
function step(name, run) {
  try {
    return run();
  } catch (error) {
    const wasmMB = Math.round(parser.__wasm.memory.buffer.byteLength / 2 ** 20);
    const oom = /unreachable/.test(String(error)) ? ` (aborted with ${wasmMB} MB of its 4 GB wasm32 memory in use)` : '';
    fail(`${name}: ${error}${oom}`);
  }
}

const t0 = now();
const bytes = readFileSync(file);
const graph = step('decode_bytes', () => parser.decode_bytes(bytes));
const t1 = now();
const groups = step('get_class_groups', () => graph.get_class_groups(0, 0xffffffff, false));
const t2 = now();

// It has no walk over all nodes and no lookup by id; every node is in exactly one class group,
// so the 20 largest of each group's 20 largest are the 20 largest overall.
const top = new TopN();
for (let g = 0; g < groups.length; g++) {
  for (const node of graph.class_children(g, 0, 20, parser.WasmSortBy.RetainedSize)) {
    if (node.typ === parser.NodeType.Syntheic) continue; // same rule: no synthetic nodes
    const retained = Number(node.retained_size);
    top.offer(retained, () => ({ id: node.id, name: shortName(node.name()), retained }));
  }
}
report({ parseMs: t1 - t0, retainedMs: t2 - t0, top: top.items, lookup: {} });
