// What bench/capture.mjs runs: Leakscope's own snapshot capture, bundled by capture.mjs.
export { launchInspected } from '../../src/inspector/launch.ts';
export { InspectorSession } from '../../src/inspector/session.ts';
export { HeapSnapshotter } from '../../src/inspector/capture.ts';
