// Bundled by run.mjs with esbuild into out/devtools.mjs: Chrome DevTools' own heap snapshot
// worker code, from the chrome-devtools-frontend package's TypeScript sources. run.mjs swaps
// three browser-side modules for small stand-ins (i18n, text_utils, the heap_snapshot model's
// UI proxies); see devtoolsStubs there.
export { HeapSnapshotLoader } from '../node_modules/chrome-devtools-frontend/front_end/entrypoints/heap_snapshot_worker/HeapSnapshotLoader.ts';
export { SecondaryInitManager } from '../node_modules/chrome-devtools-frontend/front_end/entrypoints/heap_snapshot_worker/HeapSnapshot.ts';
