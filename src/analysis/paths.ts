import { basename } from 'node:path';
import { HeapGraph } from '../snapshot/graph.ts';
import { SourceLocator } from '../snapshot/locations.ts';
import { capturingClosure, edgeLabel, isContext, isInternalNode, nodeLabel } from './describe.ts';

/** One hop of a retainer path: `edge` leads from the previous step's node into `node` (-1 at the start). */
export interface PathStep {
  node: number;
  edge: number;
}

const MAX_STEPS = 200;

/**
 * The shortest path from a GC root to `target`: at each step back, a retainer one step
 * closer to the roots, preferring properties, elements and variables over V8 internals.
 * Weak edges never appear.
 */
export function shortestRetainerPath(g: HeapGraph, target: number): PathStep[] {
  const steps: PathStep[] = [];
  let current = target;
  for (let guard = 0; guard < MAX_STEPS; guard++) {
    let best = -1;
    let bestEdge = -1;
    let bestScore = Infinity;
    const here = g.distance[current];
    for (let r = g.firstRetainer[current]; r < g.firstRetainer[current + 1]; r++) {
      const from = g.retainerNode[r];
      if (from === g.rootOrdinal || from === best) continue;
      const d = g.distance[from];
      // Ranks add less than one distance step: only a closer retainer can beat the best.
      if (d >= here || d * 4 >= bestScore) continue;
      const e = g.edgeBetween(from, current);
      if (e < 0) continue;
      const score = d * 4 + g.edgeRank(e);
      if (score < bestScore) {
        bestScore = score;
        best = from;
        bestEdge = e;
      }
    }
    steps.push({ node: current, edge: bestEdge });
    if (best < 0) break;
    current = best;
  }
  steps.reverse();
  steps[0] = { node: steps[0].node, edge: -1 };
  return steps;
}

/**
 * Renders a path as the tokens a person reads: `(module map-cache.js) sessions → Map → table →
 * "key-17" → Buffer`. V8 internals along the way are crossed without being named.
 */
export function formatPath(g: HeapGraph, locator: SourceLocator, steps: PathStep[]): string[] {
  const tokens: string[] = [];
  steps.forEach((step, k) => {
    const n = step.node;
    // A function's link to its scope says nothing the scope's own label doesn't.
    const scopeLink = step.edge >= 0 && isContext(g, n) && g.edgeTypeName(step.edge) === 'internal';
    if (step.edge >= 0 && !scopeLink) {
      const label = k > 0 ? entryLabel(g, steps[k - 1].node, step.edge, k > 1 ? steps[k - 2].node : -1) : null;
      const edge = label ?? edgeLabel(g, step.edge);
      if (g.edgeTypeName(step.edge) === 'context' && tokens.length) tokens[tokens.length - 1] += ` ${edge}`;
      else tokens.push(edge);
    }
    const last = k === steps.length - 1;
    if (isContext(g, n)) tokens.push(scopeLabel(g, locator, n));
    else if (last || !isInternalNode(g, n)) tokens.push(nodeLabel(g, n));
  });
  return tokens;
}

/** Inside a Map's or Set's hash table, name the entry by its key rather than by a slot number. */
function entryLabel(g: HeapGraph, table: number, e: number, owner: number): string | null {
  if (owner < 0 || g.child(owner, 'table') !== table) return null;
  const slot = Number(g.edgeName(e));
  if (!Number.isInteger(slot)) return null;
  const isMap = g.className(owner) === 'Map';
  if (isMap) {
    const key = g.child(table, String(slot - 1));
    if (key >= 0) return nodeLabel(g, key);
    return '(key)';
  }
  return '(entry)';
}

/**
 * `(module file.js)` for a module's top-level scope, `(closure scope in file.js)` for a
 * function's: the file comes from a closure that captured the scope.
 */
export function scopeLabel(g: HeapGraph, locator: SourceLocator, context: number): string {
  const owner = capturingClosure(g, context);
  const previous = g.child(context, 'previous');
  const topLevel = previous >= 0 && g.name(previous) === 'system / NativeContext';
  const where = owner >= 0 ? locator.locate(owner) : null;
  if (topLevel) return where ? `(module ${basename(where.file)})` : '(module)';
  return where ? `(closure scope in ${basename(where.file)})` : '(closure scope)';
}
