// Every command, view and context key the extension contributes, as package.json names them.

export const Command = {
  capture: 'leakscope.captureSnapshot',
  dumpAsync: 'leakscope.dumpAsyncResources',
  attach: 'leakscope.attach',
  attachProcess: 'leakscope.attachProcess',
  stopWatching: 'leakscope.stopWatching',
  startLeakWatch: 'leakscope.startLeakWatch',
  stopLeakWatch: 'leakscope.stopLeakWatch',
  analyzeFiles: 'leakscope.analyzeFiles',
  compareSnapshots: 'leakscope.compareSnapshots',
  deleteSnapshot: 'leakscope.deleteSnapshot',
  revealSnapshot: 'leakscope.revealSnapshot',
  openLocation: 'leakscope.openLocation',
  revealSuspect: 'leakscope.revealSuspect',
  showMemory: 'leakscope.showMemoryGrowth',
  showLog: 'leakscope.showLog',
} as const;

export const View = {
  snapshots: 'leakscope.snapshots',
  suspects: 'leakscope.suspects',
  retainers: 'leakscope.retainers',
  asyncResources: 'leakscope.asyncResources',
  memory: 'leakscope.memory',
} as const;

export const ContextKey = {
  /** A Node process is watched: the debug toolbar shows the capture buttons. */
  watching: 'leakscope.watching',
  /** The leak watch is on: the Snapshots view offers to stop it. */
  leakWatch: 'leakscope.leakWatch',
} as const;
