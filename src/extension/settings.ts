import * as vscode from 'vscode';

export interface Settings {
  /** Empty: the extension's workspace storage. */
  snapshotFolder: string;
  pollingIntervalMs: number;
  samplingEnabled: boolean;
  /** 0: fit the interval to the program's allocation rate. */
  samplingIntervalBytes: number;
  codeLensEnabled: boolean;
  asyncTrackingEnabled: boolean;
  asyncTrackingPromises: boolean;
  allocationTrackingEnabled: boolean;
  /** 0: three quarters of the machine's memory. */
  analysisMemoryMb: number;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('leakscope');
  return {
    snapshotFolder: c.get('snapshotFolder', ''),
    pollingIntervalMs: Math.max(100, c.get('pollingIntervalMs', 1000)),
    samplingEnabled: c.get('sampling.enabled', true),
    samplingIntervalBytes: Math.max(0, c.get('sampling.intervalBytes', 0)),
    codeLensEnabled: c.get('codeLens.enabled', true),
    asyncTrackingEnabled: c.get('asyncTracking.enabled', true),
    asyncTrackingPromises: c.get('asyncTracking.promises', true),
    allocationTrackingEnabled: c.get('allocationTracking.enabled', false),
    analysisMemoryMb: Math.max(0, c.get('analysis.maxMemoryMb', 0)),
  };
}
