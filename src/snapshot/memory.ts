import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

/** Below this many nodes a graph's arrays are small, and a full collection costs more than it frees. */
const BIG_GRAPH_NODES = 1_000_000;

/**
 * Runs a full garbage collection between phases of a big graph. A phase's typed arrays are
 * freed only when V8 collects their owners, and on a big heap the next phase's arrays would
 * otherwise pile on top of them: peak memory is what decides whether a 1 GB snapshot can be
 * read at all.
 */
export function releaseGarbage(nodeCount: number): void {
  if (nodeCount < BIG_GRAPH_NODES) return;
  if (collect === undefined) {
    try {
      // `gc` can't be asked for on a worker's command line, but can be switched on here.
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  collect?.();
}
