import { HeapGraph } from '../snapshot/graph.ts';

const MAX_LABEL = 60;

function clip(s: string, max = MAX_LABEL): string {
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** Internal V8 structures that a path can step through without naming them. */
export function isInternalNode(g: HeapGraph, n: number): boolean {
  const t = g.raw.nodeType[n];
  const { hidden, array, code } = g.nodeTypes;
  if (t === array || t === code || t === g.nodeTypes['object shape']) return true;
  if (t === hidden) return !g.name(n).startsWith('system / Context');
  return false;
}

export function isContext(g: HeapGraph, n: number): boolean {
  return g.name(n) === 'system / Context';
}

/** A short label for a node: its class, or the quoted text of a string. */
export function nodeLabel(g: HeapGraph, n: number): string {
  const t = g.raw.nodeType[n];
  const { string, closure, synthetic } = g.nodeTypes;
  if (t === string || t === g.nodeTypes['concatenated string'] || t === g.nodeTypes['sliced string']) {
    return JSON.stringify(clip(g.name(n), 40));
  }
  if (t === closure) return `${g.name(n) || '(anonymous)'}()`;
  if (t === synthetic) return g.name(n) || '(root)';
  if (isContext(g, n)) return '(closure scope)';
  // With a debugger attached V8 names the global object after its context: "global / ".
  return clip(g.className(n).replace(/ \/ $/, ''));
}

/** How an edge reads in a path: `.name` for properties, `[i]` for elements, a bare name for variables. */
export function edgeLabel(g: HeapGraph, e: number): string {
  const name = g.edgeName(e);
  switch (g.edgeTypeName(e)) {
    case 'element':
      return `[${name}]`;
    case 'property':
      return `.${clip(name, 40)}`;
    case 'context':
      return clip(name, 40);
    default:
      return clip(name, 40);
  }
}

/** A closure that captured this scope (its `context`), which tells the scope's file. */
export function capturingClosure(g: HeapGraph, context: number): number {
  for (let r = g.firstRetainer[context]; r < g.firstRetainer[context + 1]; r++) {
    const from = g.retainer(r);
    if (g.raw.nodeType[from] === g.nodeTypes.closure && g.child(from, 'context') === context) return from;
  }
  return -1;
}
