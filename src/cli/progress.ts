import type { AnalysisProgress } from '../analysis/analyze.ts';

/** `snapshot 2/3: dominators`: where an analysis is, in words. */
export function progressLabel(progress: AnalysisProgress): string {
  return `snapshot ${progress.file + 1}/${progress.files}: ${progress.phase}`;
}

/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;
  private readonly enabled: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.enabled = Boolean(stream.isTTY);
  }

  update(progress: AnalysisProgress): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 80 && progress.fraction < 1) return;
    this.lastDraw = now;
    const width = 24;
    const filled = Math.round(Math.min(1, Math.max(0, progress.fraction)) * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    this.stream.write(`\r${bar} ${progressLabel(progress)}`.padEnd(Math.min(this.stream.columns ?? 80, 100)).slice(0, (this.stream.columns ?? 80) - 1));
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
