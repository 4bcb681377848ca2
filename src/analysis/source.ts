import { readFileSync, statSync } from 'node:fs';

/** Source files read for locating declarations, cached for one analysis. */
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

  /**
   * The line (1-based) where `name` is declared or assigned, searching from `fromLine`: a
   * variable (`const name`), a property set on `this`, an assignment or an object-literal key.
   * The heap knows which variable holds an object, not where it was written; this finds it.
   */
  declarationOf(file: string, name: string, kind: 'variable' | 'property', fromLine = 1): { line: number; column: number } | null {
    const lines = this.read(file);
    if (!lines || !/^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(name)) return null;
    const patterns =
      kind === 'variable'
        ? [new RegExp(`\\b(?:const|let|var)\\s+${name}\\b`), new RegExp(`\\b(?:const|let|var)\\s*\\{[^}]*\\b${name}\\b`), new RegExp(`\\b(?:function|class)\\s+${name}\\b`)]
        : [new RegExp(`\\bthis\\.${name}\\s*=[^=]`), new RegExp(`\\.${name}\\s*=[^=]`), new RegExp(`(?:^|[{,\\s])${name}\\s*:`), new RegExp(`^\\s*(?:(?:private|public|protected|readonly|static)\\s+)*${name}\\s*[=:;]`)];
    for (const pattern of patterns) {
      for (let k = Math.max(0, fromLine - 1); k < lines.length; k++) {
        const match = pattern.exec(lines[k]);
        if (match) return { line: k + 1, column: match.index + lines[k].slice(match.index).indexOf(name) + 1 };
      }
    }
    return null;
  }
}
