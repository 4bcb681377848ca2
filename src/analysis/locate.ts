import { HeapGraph } from '../snapshot/graph.ts';
import { isUserScript, SourceLocator } from '../snapshot/locations.ts';
import { capturingClosure, isContext } from './describe.ts';
import { PathStep } from './paths.ts';
import { SourceRef } from './report.ts';
import { SourceFiles } from './source.ts';

/**
 * The line a user should look at for an object found on a retainer path, and the name
 * that holds it. Walking up from the object: a variable of a scope points at its
 * declaration; a property of an object made by a class points at where the class sets
 * it; failing those, the nearest object or function the snapshot has a location for.
 */
export function locateSuspect(
  g: HeapGraph,
  locator: SourceLocator,
  sources: SourceFiles,
  steps: PathStep[],
): { heldBy: string | null; location: SourceRef | null } {
  let heldBy: string | null = null;
  for (let k = steps.length - 1; k >= 0; k--) {
    const { node, edge } = steps[k];
    const holder = k > 0 ? steps[k - 1].node : -1;
    const edgeType = edge >= 0 ? g.edgeTypeName(edge) : '';
    const name = edge >= 0 ? g.edgeName(edge) : '';
    if (heldBy === null && (edgeType === 'property' || edgeType === 'context')) heldBy = name;

    if (edgeType === 'context' && holder >= 0 && isContext(g, holder)) {
      const closure = capturingClosure(g, holder);
      const where = closure >= 0 ? locator.locate(closure) : null;
      if (where && isUserScript(where.url)) {
        const declared = sources.declarationOf(where.file, name, 'variable');
        return { heldBy, location: { file: where.file, url: where.url, ...(declared ?? { line: where.line, column: where.column }) } };
      }
    }
    if (edgeType === 'property' && holder >= 0) {
      const where = locator.locate(holder);
      if (where && isUserScript(where.url)) {
        const declared = sources.declarationOf(where.file, name, 'property', where.line);
        if (declared) return { heldBy, location: { file: where.file, url: where.url, ...declared } };
      }
    }
    const own = locator.locate(node);
    if (own && isUserScript(own.url)) {
      return { heldBy, location: { file: own.file, url: own.url, line: own.line, column: own.column } };
    }
  }
  return { heldBy, location: null };
}
