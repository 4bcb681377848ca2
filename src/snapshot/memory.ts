import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

/**
 * Runs a full garbage collection between phases. A phase's typed arrays are freed only when
 * V8 collects their owners, and on a big heap the next phase's arrays would otherwise pile
 * on top of them: peak memory is what decides whether a 1 GB snapshot can be read at all.
 */
export function releaseGarbage(): void {
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
