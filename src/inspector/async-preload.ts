// Preloaded by `leakscope run` (node --require): tracks async resources from the first one.
import { TRACKER_SOURCE } from './async-tracker.ts';

// Indirect eval: the tracker runs in the global scope, exactly as it does when attached.
(0, eval)(TRACKER_SOURCE);
