// Hosts the Memory Growth panel (view `leakscope.memory`). It keeps the panel's whole state, because
// a webview view without retainContextWhenHidden starts over each time it is shown: the panel then
// posts 'ready' and gets everything back in one 'session' (+ 'suspects', + 'ended').
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { Readings } from '../analysis/readings.ts';
import type { MemorySample } from '../analysis/report.ts';
import { type FromWebview, type SnapshotMarker, type SuspectSeries, type ToWebview } from '../webview/protocol.ts';

export class MemoryPanel implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = 'leakscope.memory';

  private readonly captureRequests = new vscode.EventEmitter<void>();
  /** The panel's "Capture Heap Snapshot" button was clicked. */
  readonly onDidRequestCapture: vscode.Event<void> = this.captureRequests.event;

  private view: vscode.WebviewView | undefined;
  private viewListeners: vscode.Disposable[] = [];
  private name: string | null = null;
  private samples = new Readings();
  private markers: SnapshotMarker[] = [];
  private snapshotTimesMs: number[] = [];
  private series: SuspectSeries[] = [];
  private endedMessage: string | null = null;

  constructor(private readonly extensionUri: vscode.Uri) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.disposeView();
    this.view = view;
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    view.webview.html = this.html(view.webview, dist, media);
    this.viewListeners = [
      view.webview.onDidReceiveMessage((message: FromWebview) => {
        if (message.type === 'ready') this.sendState();
        else if (message.type === 'capture') this.captureRequests.fire();
      }),
      view.onDidDispose(() => this.disposeView()),
    ];
  }

  /** Replaces everything shown: a new session, or another one selected. Clears suspects and 'ended'; name null: no session. */
  showSession(name: string | null, samples: MemorySample[], markers: SnapshotMarker[]): void {
    this.name = name;
    this.samples = Readings.of(samples);
    this.markers = [...markers];
    this.snapshotTimesMs = [];
    this.series = [];
    this.endedMessage = null;
    this.post({ type: 'session', name, samples: this.samples.toArray(), markers: this.markers });
  }

  addSamples(samples: MemorySample[]): void {
    for (const sample of samples) this.samples.push(sample);
    this.post({ type: 'samples', samples });
  }

  addMarker(marker: SnapshotMarker): void {
    this.markers.push(marker);
    this.post({ type: 'marker', marker });
  }

  /** The top suspects after an analysis: `series[i].bytes` per snapshot, oldest first, like `snapshotTimesMs`. */
  setSuspects(snapshotTimesMs: number[], series: SuspectSeries[]): void {
    this.snapshotTimesMs = snapshotTimesMs;
    this.series = series;
    this.post({ type: 'suspects', snapshotTimesMs, series });
  }

  /** The debug session ended: the charts stay, with `message` under the header. */
  ended(message: string): void {
    this.endedMessage = message;
    this.post({ type: 'ended', message });
  }

  /** Shows and focuses the view, resolving it if it never was. */
  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${MemoryPanel.viewId}.focus`);
  }

  dispose(): void {
    this.disposeView();
    this.captureRequests.dispose();
  }

  private sendState(): void {
    this.post({ type: 'session', name: this.name, samples: this.samples.toArray(), markers: this.markers });
    this.post({ type: 'suspects', snapshotTimesMs: this.snapshotTimesMs, series: this.series });
    if (this.endedMessage !== null) this.post({ type: 'ended', message: this.endedMessage });
  }

  /** A hidden view drops messages; it gets the whole state again when it posts 'ready'. */
  private post(message: ToWebview): void {
    void this.view?.webview.postMessage(message);
  }

  private disposeView(): void {
    for (const d of this.viewListeners) d.dispose();
    this.viewListeners = [];
    this.view = undefined;
  }

  private html(webview: vscode.Webview, dist: vscode.Uri, media: vscode.Uri): string {
    const nonce = randomBytes(16).toString('base64');
    const uri = (base: vscode.Uri, file: string): string => webview.asWebviewUri(vscode.Uri.joinPath(base, file)).toString();
    // uPlot styles its elements through the CSSOM (element.style), which style-src does not restrict:
    // no 'unsafe-inline'. Nothing loads images or fonts.
    const csp = `default-src 'none'; style-src ${webview.cspSource}; script-src 'nonce-${nonce}'`;
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${uri(dist, 'webview.css')}">
<link rel="stylesheet" href="${uri(media, 'panel.css')}">
<title>Memory Growth</title>
</head>
<body>
<script nonce="${nonce}" src="${uri(dist, 'webview.js')}"></script>
</body>
</html>`;
  }
}
