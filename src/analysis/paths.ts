import { basename } from 'node:path';
import { SourceCode } from '../source/source-code.ts';
import { HeapGraph, PathStep } from '../snapshot/graph.ts';
import { isUserScript, SourceLocator } from '../snapshot/locations.ts';
import { capturingClosure, edgeLabel, isContext, isInternalNode, nodeLabel } from './describe.ts';
import { declarationOf } from './locate.ts';
import { SourceRef, sourceRef } from './report.ts';

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
      const from = g.retainer(r);
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

/** One token of a readable retainer path, with the source line it stands for when known. */
export interface PathToken {
  text: string;
  location: SourceRef | null;
}

/**
 * Renders a path as the tokens a person reads: `(module map-cache.js) sessions → Map → table →
 * "key-17" → Buffer`. V8 internals along the way are crossed without being named. A
 * variable or property token points at its declaration, an object or scope at its
 * function or constructor, when that is the program's own code.
 */
export function pathTokens(g: HeapGraph, locator: SourceLocator, steps: PathStep[], code?: SourceCode): PathToken[] {
  const tokens: PathToken[] = [];
  const own = (n: number): SourceRef | null => {
    const where = locator.locate(isContext(g, n) ? capturingClosure(g, n) : n);
    return where && isUserScript(where.url) ? sourceRef(where) : null;
  };
  steps.forEach((step, k) => {
    const n = step.node;
    // A function's link to its scope says nothing the scope's own label doesn't.
    const scopeLink = step.edge >= 0 && isContext(g, n) && g.edgeTypeName(step.edge) === 'internal';
    if (step.edge >= 0 && !scopeLink) {
      const label = k > 0 ? entryLabel(g, steps[k - 1].node, step.edge, k > 1 ? steps[k - 2].node : -1) : null;
      const text = label ?? edgeLabel(g, step.edge);
      const declared = k > 0 && code ? declarationOf(g, locator, code, steps[k - 1].node, step.edge) : null;
      const previous = tokens[tokens.length - 1];
      if (g.edgeTypeName(step.edge) === 'context' && previous) {
        previous.text += ` ${text}`;
        previous.location = declared ?? previous.location;
      } else tokens.push({ text, location: declared });
    }
    const last = k === steps.length - 1;
    if (isContext(g, n)) tokens.push({ text: scopeLabel(g, locator, n), location: own(n) });
    else if (last || !isInternalNode(g, n)) tokens.push({ text: nodeLabel(g, n), location: own(n) });
  });
  return tokens;
}

export function formatPath(g: HeapGraph, locator: SourceLocator, steps: PathStep[]): string[] {
  return pathTokens(g, locator, steps).map((t) => t.text);
}

/** A path as the report carries it: the readable tokens, and the line each one stands for. */
export function describePath(g: HeapGraph, locator: SourceLocator, code: SourceCode, steps: PathStep[]): { retainerPath: string[]; retainerLocations: Array<SourceRef | null> } {
  const tokens = pathTokens(g, locator, steps, code);
  return { retainerPath: tokens.map((t) => t.text), retainerLocations: tokens.map((t) => t.location) };
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
  const topLevel = previous >= 0 && g.isNativeContext(previous);
  const where = owner >= 0 ? locator.locate(owner) : null;
  if (topLevel) return where ? `(module ${basename(where.file)})` : '(module)';
  return where ? `(closure scope in ${basename(where.file)})` : '(closure scope)';
}
