import * as vscode from 'vscode';
import type { WatchRule } from '../analysis/watch-policy.ts';

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
  watch: { enabled: boolean; rule: WatchRule; keep: number };
}

/** Where the leak watch's switch is kept: read and written by the toggle. */
export const WATCH_ENABLED = 'watch.enabled';

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
    watch: {
      enabled: c.get(WATCH_ENABLED, false),
      rule: {
        growthBytesPerSec: (Math.max(0.001, c.get('watch.growthMbPerMinute', 2)) * 1024 * 1024) / 60,
        windowMs: Math.max(5, c.get('watch.windowSeconds', 300)) * 1000,
        heapLimitShare: Math.min(100, Math.max(1, c.get('watch.heapLimitPercent', 80))) / 100,
        minIntervalMs: Math.max(1, c.get('watch.minSecondsBetweenSnapshots', 120)) * 1000,
      },
      keep: Math.max(3, Math.round(c.get('watch.keepSnapshots', 5))),
    },
  };
}
