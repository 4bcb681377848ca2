import { SourceCode } from '../source/source-code.ts';
import { HeapGraph } from '../snapshot/graph.ts';
import { SourceLocator } from '../snapshot/locations.ts';
import { nodeLabel } from './describe.ts';
import { locateSuspect } from './locate.ts';
import { describePath, shortestRetainerPath } from './paths.ts';
import { ObjectRow } from './report.ts';

/** One object as the report and the tree show it: size, place in the source, path from the roots. */
export function objectRow(g: HeapGraph, locator: SourceLocator, code: SourceCode, n: number): ObjectRow {
  const steps = shortestRetainerPath(g, n);
  const located = locateSuspect(g, locator, code, steps);
  return {
    nodeId: g.id(n),
    className: g.className(n),
    label: nodeLabel(g, n),
    shallowBytes: g.selfSize[n],
    retainedBytes: g.retainedSize[n],
    location: located.location,
    allocatedIn: located.allocatedIn,
    ...describePath(g, locator, code, steps),
  };
}

/**
 * Questions about one parsed snapshot after its analysis: the objects of a class, what an
 * object dominates. The graph stays in the worker; only rows cross to the host.
 */
export class HeapExplorer {
  constructor(
    readonly file: string,
    private readonly g: HeapGraph,
    private readonly locator: SourceLocator,
    private readonly code = new SourceCode(),
  ) {}

  /** The biggest objects of a class, by retained size. */
  objectsOfClass(className: string, limit: number): ObjectRow[] {
    const { g } = this;
    const found: number[] = [];
    for (let n = 0; n < g.nodeCount; n++) if (g.selfSize[n] > 0 && n !== g.rootOrdinal && g.className(n) === className) found.push(n);
    return this.rows(found, limit);
  }

  /** What an object keeps alive on its own: its children in the dominator tree, biggest first. */
  dominatedBy(nodeId: number, limit: number): ObjectRow[] {
    const n = this.ordinalOf(nodeId);
    return n < 0 ? [] : this.rows([...this.g.dominated(n)], limit);
  }

  private rows(nodes: number[], limit: number): ObjectRow[] {
    const { g } = this;
    nodes.sort((a, b) => g.retainedSize[b] - g.retainedSize[a]);
    return nodes.slice(0, limit).map((n) => objectRow(g, this.locator, this.code, n));
  }

  /** A scan, once per expanded row: cheaper than an id index of millions of entries kept in the worker. */
  private ordinalOf(nodeId: number): number {
    for (let n = 0; n < this.g.nodeCount; n++) if (this.g.id(n) === nodeId) return n;
    return -1;
  }
}
