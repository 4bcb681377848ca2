// Leakscope's engine as it was at the reference commit (run.mjs --reference, default a0648bb),
// bundled by run.mjs into out/leakscope-reference.cjs: the answers today's engine must keep.
import { runLeakscope } from './leakscope-engine.mjs';

await runLeakscope('../out/leakscope-reference.cjs');
