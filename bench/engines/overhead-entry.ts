// What `leakscope attach` runs in a target besides snapshots, bundled by overhead.mjs.
export { launchInspected } from '../../src/inspector/launch.ts';
export { InspectorSession } from '../../src/inspector/session.ts';
export { MemorySampler } from '../../src/inspector/memory-sampler.ts';
export { AllocationSampler } from '../../src/inspector/allocation-sampler.ts';
export { installTracker, uninstallTracker } from '../../src/inspector/async-tracker.ts';
