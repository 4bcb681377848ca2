// Messages between the extension host (src/extension/memory-panel.ts) and the Memory Growth
// panel (src/webview/panel.ts). Both sides import this file: no DOM, no vscode.
import type { MemorySample } from '../analysis/report.ts';

/** A heap snapshot, drawn as a vertical line on the live chart. */
export interface SnapshotMarker {
  /** On the samples' clock (`MemorySample.timeMs`). */
  timeMs: number;
  /** Short, e.g. "#1". */
  label: string;
}

/** One suspect's retained bytes per snapshot, oldest first; null where it did not exist yet. */
export interface SuspectSeries {
  title: string;
  bytes: Array<number | null>;
}

export type ToWebview =
  /**
   * The full state, replacing everything (also clears suspects and 'ended'); name null: no
   * debug session. `samples` is the whole session, older readings downsampled (`Readings`).
   */
  | { type: 'session'; name: string | null; samples: MemorySample[]; markers: SnapshotMarker[] }
  /** New live samples, about one a second. */
  | { type: 'samples'; samples: MemorySample[] }
  | { type: 'marker'; marker: SnapshotMarker }
  /** The top suspects after an analysis; `bytes` line up with `snapshotTimesMs` (samples' clock). */
  | { type: 'suspects'; snapshotTimesMs: number[]; series: SuspectSeries[] }
  /** The debug session ended: keep the charts, show the message. */
  | { type: 'ended'; message: string };

/** 'ready': the panel loaded and wants the full state; 'capture': its Capture Heap Snapshot button. */
export type FromWebview = { type: 'ready' } | { type: 'capture' };
