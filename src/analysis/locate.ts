import { HeapGraph } from '../snapshot/graph.ts';
import { isUserScript, SourceLocator } from '../snapshot/locations.ts';
import { capturingClosure, isContext } from './describe.ts';
import type { PathStep } from './paths.ts';
import { SourceRef, sourceRef } from './report.ts';
import { SourceFiles } from './source.ts';

/**
 * Where the source writes `holder`'s edge `e`: a scope's variable points at its
 * declaration, a property of a class instance at where the class sets it. Null when the
 * holder is neither, or lives in Node's own code.
 */
export function declarationOf(g: HeapGraph, locator: SourceLocator, sources: SourceFiles, holder: number, e: number): SourceRef | null {
  const type = g.edgeTypeName(e);
  const name = g.edgeName(e);
  if (type === 'context' && isContext(g, holder)) {
    const closure = capturingClosure(g, holder);
    const where = closure >= 0 ? locator.locate(closure) : null;
    if (!where || !isUserScript(where.url)) return null;
    const declared = sources.declarationOf(where.file, name, 'variable');
    return { file: where.file, url: where.url, ...(declared ?? { line: where.line, column: where.column }) };
  }
  if (type === 'property') {
    const where = locator.locate(holder);
    if (!where || !isUserScript(where.url)) return null;
    const declared = sources.declarationOf(where.file, name, 'property', where.line);
    return declared ? { file: where.file, url: where.url, ...declared } : null;
  }
  return null;
}

export interface Located {
  /** The variable or property that holds it. */
  heldBy: string | null;
  /** The line to look at: where the holding reference is written. */
  location: SourceRef | null;
  /** The function that allocated it, when V8 recorded allocation stacks. */
  allocatedIn: (SourceRef & { functionName: string }) | null;
}

/**
 * The line a user should look at for an object found on a retainer path, and the name
 * that holds it. Walking up the path: the declaration of the variable or property holding
 * it; failing that, the function that allocated it (when recorded), or the nearest object
 * or function the snapshot has a location for.
 */
export function locateSuspect(g: HeapGraph, locator: SourceLocator, sources: SourceFiles, steps: PathStep[]): Located {
  let heldBy: string | null = null;
  for (let k = steps.length - 1; k > 0 && heldBy === null; k--) {
    const type = g.edgeTypeName(steps[k].edge);
    if (type === 'property' || type === 'context') heldBy = g.edgeName(steps[k].edge);
  }
  const site = steps.length ? locator.allocationSite(steps[steps.length - 1].node) : null;
  const allocatedIn = site && { ...sourceRef(site), functionName: site.functionName };
  for (let k = steps.length - 1; k >= 0; k--) {
    const { node, edge } = steps[k];
    const declared = k > 0 && edge >= 0 ? declarationOf(g, locator, sources, steps[k - 1].node, edge) : null;
    if (declared) return { heldBy, location: declared, allocatedIn };
    if (allocatedIn) return { heldBy, location: sourceRef(allocatedIn), allocatedIn };
    const own = locator.locate(node);
    if (own && isUserScript(own.url)) return { heldBy, location: sourceRef(own), allocatedIn };
  }
  return { heldBy, location: null, allocatedIn };
}

/** The edge from `n` to the child it dominates that retains the most: where a growing subtree grows. */
export function biggestChildEdge(g: HeapGraph, n: number): number {
  let best = -1;
  for (let e = g.firstEdge[n]; e < g.firstEdge[n + 1]; e++) {
    if (g.isWeakEdge(e)) continue;
    const t = g.raw.edgeToNode[e];
    if (g.dominator[t] !== n) continue;
    if (best < 0 || g.retainedSize[t] > g.retainedSize[g.raw.edgeToNode[best]]) best = e;
  }
  return best;
}
