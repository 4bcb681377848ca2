// Preloaded by `leakscope run` (node --require): tracks async resources from the first one.
import { TRACK_PROMISES_ENV, trackerSource } from './async-tracker.ts';

const promises = process.env[TRACK_PROMISES_ENV] !== '0';
// Taken out, so that the program's own children don't inherit it.
delete process.env[TRACK_PROMISES_ENV];
try {
  // Indirect eval: the tracker runs in the global scope, exactly as it does when attached.
  (0, eval)(trackerSource({ promises }));
} catch (error) {
  // The program runs on without it; the report then has no creation stacks, and this says why.
  process.emitWarning(`leakscope: the async-resource tracker did not start: ${(error as Error).message}`);
}
