import { readFileSync, statSync } from 'node:fs';

/** Source files read as lines (excerpts, growth-site listings), cached for one report. */
export class SourceFiles {
  private readonly lines = new Map<string, string[] | null>();

  read(file: string): string[] | null {
    if (!this.lines.has(file)) {
      let text: string[] | null = null;
      try {
        // Only ordinary, reasonably sized files: this is a hint, not worth reading a 100 MB bundle.
        if (statSync(file).size < 8 * 1024 * 1024) text = readFileSync(file, 'utf8').split(/\r?\n/);
      } catch {
        text = null;
      }
      this.lines.set(file, text);
    }
    return this.lines.get(file)!;
  }
}
