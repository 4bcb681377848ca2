// What `leakscope run` / `attach` run in a target besides snapshots, bundled by overhead.mjs.
export { launchInspected } from '../../src/inspector/launch.ts';
export { InspectorSession } from '../../src/inspector/session.ts';
export { LiveTarget } from '../../src/inspector/live-target.ts';
export { uninstallTracker } from '../../src/inspector/async-tracker.ts';
