import { statSync } from 'node:fs';
import ts from 'typescript';

/** A place in a source file: 1-based line and column. */
export interface Position {
  file: string;
  line: number;
  column: number;
}

/** Files bigger than this are bundles or generated: not worth parsing for a hint. */
const MAX_FILE_BYTES = 8 * 1024 * 1024;

const OPTIONS: ts.CompilerOptions = {
  allowJs: true,
  checkJs: false,
  // Bindings are all we ask about; the standard library's types would only cost time.
  noLib: true,
  types: [],
  noEmit: true,
  skipLibCheck: true,
  // `require` and `import`, extensionless, `.js` for `.ts`, or `.ts` itself: what Node and bundlers accept.
  module: ts.ModuleKind.Preserve,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowImportingTsExtensions: true,
  target: ts.ScriptTarget.ESNext,
  jsx: ts.JsxEmit.Preserve,
  maxNodeModuleJsDepth: 0,
};

/** Why a file's statements can't be trusted, in a few words; null when they can. */
export type FileProblem = string | null;

/**
 * The program's own source, parsed and bound by the TypeScript compiler (JavaScript and
 * TypeScript alike): one program over every file the heap names, so a binding can be
 * followed through `require`, `import` and exports. Files are added as analysis meets them;
 * the program is rebuilt lazily, reusing what was parsed.
 */
export class SourceProgram {
  private readonly roots = new Set<string>();
  private program: ts.Program | null = null;
  private stale = true;
  private builds = 0;
  private readonly problems = new Map<string, FileProblem>();

  /** Makes `file` part of the program (a path on disk; anything else is ignored). */
  add(file: string): void {
    if (!file.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(file)) return;
    if (this.roots.has(file)) return;
    this.roots.add(file);
    this.stale = true;
  }

  /** Which build of the program answers now: symbols of one build mean nothing in the next. */
  get generation(): number {
    this.current();
    return this.builds;
  }

  get checker(): ts.TypeChecker {
    return this.current().getTypeChecker();
  }

  /** The program's own files (not declarations, not dependencies), parsed. */
  ownFiles(): readonly ts.SourceFile[] {
    return this.current()
      .getSourceFiles()
      .filter((sf) => !sf.isDeclarationFile && !sf.fileName.includes('/node_modules/'));
  }

  /** The parsed file, or null with the reason in `problem(file)`. */
  sourceFile(file: string): ts.SourceFile | null {
    this.add(file);
    const sf = this.current().getSourceFile(file);
    if (!sf) return null;
    if (!this.problems.has(file)) {
      const errors = this.current().getSyntacticDiagnostics(sf);
      this.problems.set(file, errors.length ? syntaxProblem(sf, errors[0]) : null);
    }
    return this.problems.get(file) ? null : sf;
  }

  /** Why `file` gave no statements: missing, too big, or not valid JavaScript/TypeScript. */
  problem(file: string): FileProblem {
    if (this.sourceFile(file)) return null;
    return this.problems.get(file) ?? unreadable(file);
  }

  /** The offset of a 1-based position in `sf`, or -1 when the file has no such place. */
  offsetOf(sf: ts.SourceFile, at: Position): number {
    const starts = sf.getLineStarts();
    if (at.line < 1 || at.line > starts.length) return -1;
    const offset = starts[at.line - 1] + Math.max(0, at.column - 1);
    const lineEnd = at.line < starts.length ? starts[at.line] : sf.text.length;
    return offset <= lineEnd ? offset : -1;
  }

  /** The 1-based position of `offset` in `sf`. */
  positionOf(sf: ts.SourceFile, offset: number): Position {
    const { line, character } = sf.getLineAndCharacterOfPosition(offset);
    return { file: sf.fileName, line: line + 1, column: character + 1 };
  }

  private current(): ts.Program {
    if (this.stale || !this.program) {
      this.stale = false;
      this.builds++;
      const host = ts.createCompilerHost(OPTIONS, true);
      const readFile = host.readFile.bind(host);
      host.readFile = (file) => (fileSize(file) <= MAX_FILE_BYTES ? readFile(file) : undefined);
      this.program = ts.createProgram({ rootNames: [...this.roots], options: OPTIONS, host, oldProgram: this.program ?? undefined });
    }
    return this.program;
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function unreadable(file: string): string {
  try {
    const { size } = statSync(file);
    return size > MAX_FILE_BYTES ? `${file} is too big to read for statements` : `${file} could not be read`;
  } catch {
    return `${file} is missing`;
  }
}

function syntaxProblem(sf: ts.SourceFile, error: ts.Diagnostic): string {
  const { line } = sf.getLineAndCharacterOfPosition(error.start ?? 0);
  return `${sf.fileName}:${line + 1} does not parse (${ts.flattenDiagnosticMessageText(error.messageText, ' ')})`;
}
