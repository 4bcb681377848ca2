import { pathToFileURL } from 'node:url';
import { HeapGraph, PathStep } from '../snapshot/graph.ts';
import { isOwnCode, isUserScript, SourceLocator } from '../snapshot/locations.ts';
import { Holder, SourceCode } from '../source/source-code.ts';
import { capturingClosure, isContext } from './describe.ts';
import { SourceRef, sourceRef } from './report.ts';

/**
 * What in the source `holder`'s edge `e` stands for: a scope's variable (found from a
 * function that closed over the scope), or a property of objects made by a constructor.
 * Null when the holder is neither, or lives in Node's own code.
 */
export function holderOf(g: HeapGraph, locator: SourceLocator, holder: number, e: number): Holder | null {
  const type = g.edgeTypeName(e);
  const name = g.edgeName(e);
  if (type === 'context' && isContext(g, holder)) {
    const closure = capturingClosure(g, holder);
    const at = closure >= 0 ? locator.locate(closure) : null;
    return at && isUserScript(at.url) ? { kind: 'variable', name, at } : null;
  }
  if (type === 'property') {
    const module = exportingModule(g, holder);
    if (module) return { kind: 'export', name, at: { file: module, line: 1, column: 1 } };
    const at = locator.locate(holder);
    return at && isUserScript(at.url) ? { kind: 'property', name, at } : null;
  }
  return null;
}

/** The file of the CommonJS module whose `exports` object `n` is, or null. */
function exportingModule(g: HeapGraph, n: number): string | null {
  for (let r = g.firstRetainer[n]; r < g.firstRetainer[n + 1]; r++) {
    const from = g.retainer(r);
    if (g.className(from) !== 'Module' || g.child(from, 'exports') !== n) continue;
    const filename = g.child(from, 'filename');
    return filename >= 0 && isOwnCode(g.name(filename)) ? g.name(filename) : null;
  }
  return null;
}

/**
 * Where the source declares `holder`'s edge `e`: the variable's declaration, or where the
 * class declares or first sets the property. A variable whose declaration the source does
 * not show points at the function that closed over it.
 */
export function declarationOf(g: HeapGraph, locator: SourceLocator, code: SourceCode, holder: number, e: number): SourceRef | null {
  const found = holderOf(g, locator, holder, e);
  return found && declarationOfHolder(code, found);
}

function declarationOfHolder(code: SourceCode, found: Holder): SourceRef | null {
  const declared = code.declarationOf(found);
  if (declared) {
    const sameScript = declared.file === found.at.file && 'url' in found.at;
    return { ...declared, url: sameScript ? (found.at as SourceRef).url : pathToFileURL(declared.file).href };
  }
  return found.kind === 'variable' ? sourceRef(found.at as SourceRef) : null;
}

export interface Located {
  /** The variable or property that holds it, in the program's own code when one does. */
  heldBy: string | null;
  /** The line to look at: where the holding reference is declared. */
  location: SourceRef | null;
  /** The function that allocated it, when V8 recorded allocation stacks. */
  allocatedIn: (SourceRef & { functionName: string }) | null;
  /** The holder as the source knows it, to find the statements that write into it. */
  holder: Holder | null;
  /** Index in the path of the node that holds it through `heldBy` (-1 when nothing does). */
  holderStep: number;
  /** When the nearest holder is a dependency's (or Node's): that holder, kept as a detail. */
  inside: { heldBy: string | null; location: SourceRef | null } | null;
}

/**
 * The line a user should look at for an object found on a retainer path, and the name
 * that holds it. Walking up the path: the declaration of the variable or property holding
 * it — the program's own, going past a dependency's (a metrics client's table is presented
 * at the program's counter that feeds it); failing that, the function that allocated it
 * (when recorded), or the nearest object or function of the program's own code.
 */
export function locateSuspect(g: HeapGraph, locator: SourceLocator, code: SourceCode, steps: PathStep[]): Located {
  const site = steps.length ? locator.allocationSite(steps[steps.length - 1].node) : null;
  const allocatedIn = site && { ...sourceRef(site), functionName: site.functionName };
  let nearest = -1;
  for (let k = steps.length - 1; k > 0 && nearest < 0; k--) {
    const type = steps[k].edge >= 0 ? g.edgeTypeName(steps[k].edge) : '';
    if (type === 'property' || type === 'context') nearest = k;
  }
  const heldBy = nearest > 0 ? g.edgeName(steps[nearest].edge) : null;
  const found = (location: SourceRef | null): Located => ({ heldBy, location, allocatedIn, holder: null, holderStep: nearest - 1, inside: null });
  let inside: Located['inside'] = null;
  let dependencyPlace: SourceRef | null = null;
  for (let k = steps.length - 1; k >= 0; k--) {
    const { node, edge } = steps[k];
    const here = k > 0 && edge >= 0 ? holderOf(g, locator, steps[k - 1].node, edge) : null;
    const declared = here && declarationOfHolder(code, here);
    if (declared && isOwnCode(declared.url)) {
      if (inside) return { heldBy: g.edgeName(edge), location: declared, allocatedIn, holder: here, holderStep: k - 1, inside };
      // The nearest holder names it even when its own source can't be read (the note will say why).
      const near = nearest > 0 && nearest !== k ? holderOf(g, locator, steps[nearest - 1].node, steps[nearest].edge) : null;
      return { ...found(declared), holder: near ?? here };
    }
    if (declared) {
      // A dependency's holder: kept as the detail, and the walk goes on to the program's own.
      inside ??= { heldBy: g.edgeName(edge), location: declared };
      continue;
    }
    if (inside) continue;
    if (allocatedIn) return found(sourceRef(allocatedIn));
    const own = locator.locate(node);
    if (own && isOwnCode(own.url)) return found(sourceRef(own));
    if (own && isUserScript(own.url)) dependencyPlace ??= sourceRef(own);
  }
  return found(inside?.location ?? dependencyPlace);
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
