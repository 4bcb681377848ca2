// Leakscope's engine as it is in src/snapshot (bundled by run.mjs into out/leakscope.cjs).
import { runLeakscope } from './leakscope-engine.mjs';

await runLeakscope('../out/leakscope.cjs');
