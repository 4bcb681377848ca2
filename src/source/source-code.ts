import ts from 'typescript';
import { Binding, Holder, innermostFunction, isFunctionWithBody, referencesTo, resolveHolder } from './bindings.ts';
import { Position, SourceProgram } from './program.ts';
import { allocationIn, functionName, statementAt, Statement, WriteKind, writeThrough } from './statements.ts';

export type { Holder } from './bindings.ts';
export type { Position } from './program.ts';
export type { Statement, WriteKind } from './statements.ts';

/** A statement that writes into a holder. */
export interface Write extends Statement {
  kind: WriteKind;
}

export interface WriteOptions {
  /** Assigning the holder itself counts (`current = {…}`): a structure that grows by being replaced. */
  replacing?: boolean;
}

/**
 * The questions the analysis asks of the program's source: where a holder is declared,
 * which statements write into it, what a function allocates. Answers come from the parsed
 * and bound source (see SourceProgram); a file that is missing or does not parse gives
 * none, and `problem` says why.
 */
export class SourceCode {
  private readonly program = new SourceProgram();
  private started = false;
  private generation = 0;
  private readonly bindings = new Map<string, Binding | null>();
  private readonly writes = new Map<Binding, Array<{ write: Write; node: ts.Node; replaces: boolean }>>();

  /** `ownFiles` lists the program's own source files, where writes into a holder are looked for; asked for once, when first needed. */
  constructor(private readonly ownFiles: () => Iterable<string> = () => []) {}

  problem(file: string): string | null {
    return this.ready(file).problem(file);
  }

  binding(holder: Holder): Binding | null {
    this.ready(holder.at.file);
    const key = `${holder.kind}:${holder.name}:${holder.at.file}:${holder.at.line}:${holder.at.column}`;
    if (!this.bindings.has(key)) this.bindings.set(key, resolveHolder(this.program, holder));
    return this.bindings.get(key)!;
  }

  declarationOf(holder: Holder): Position | null {
    return this.binding(holder)?.declaration ?? null;
  }

  /** Statements anywhere in the program that write into the holder, adding ones first, in source order. */
  writesInto(holder: Holder, options: WriteOptions = {}): Write[] {
    return this.writeNodes(holder, options).map((w) => w.write);
  }

  /**
   * The same, inside the function whose text contains `at` (its nested functions included);
   * failing that, inside the functions it calls, nearest first. V8 leaves a function inlined
   * by its optimizing compiler out of allocation stacks, so the write may be one call down.
   */
  writesWithin(holder: Holder, at: Position, options: WriteOptions = {}): Write[] {
    const fn = this.functionNode(at);
    if (!fn) return [];
    const writes = this.writeNodes(holder, options);
    const inside = (f: ts.Node) => writes.filter(({ node }) => node.getSourceFile() === f.getSourceFile() && node.pos >= f.pos && node.end <= f.end);
    const seen = new Set<ts.Node>([fn]);
    let level: ts.Node[] = [fn];
    for (let depth = 0; depth <= MAX_CALL_DEPTH && level.length; depth++) {
      const found = level.flatMap(inside);
      if (found.length) return found.map((w) => w.write);
      level = level.flatMap((f) => calledFunctions(this.program.checker, f)).filter((f) => !seen.has(f) && seen.add(f));
    }
    return [];
  }

  /** The function whose text contains `at` as a statement-less site: its first line. */
  functionAt(at: Position): Statement | null {
    const fn = this.functionNode(at);
    return fn ? statementAt(fn, fn) : null;
  }

  /** The call that the function at `at` is passed to (`setInterval(() => …, 1000)`), when it is an argument of one. */
  callAround(at: Position): Statement | null {
    const fn = this.functionNode(at);
    const call = fn?.parent;
    return call && ts.isCallExpression(call) && call.arguments.some((a) => a === fn) ? statementAt(call) : null;
  }

  /** The statements that call the function whose text contains `at` by its name (`worker(i)`), in source order. */
  callsOf(at: Position): Statement[] {
    const fn = this.functionNode(at);
    const name = fn && functionName(fn);
    if (!fn || !name || name === '(anonymous)') return [];
    const binding = this.binding({ kind: 'variable', name, at });
    if (!binding || binding.symbol.valueDeclaration !== fn) return [];
    return referencesTo(this.program, binding)
      .filter((ref) => ts.isCallExpression(ref.parent) && ref.parent.expression === ref)
      .map((ref) => statementAt(ref.parent));
  }

  /** Where the function containing `at` allocates an object of `className`, when the source says. */
  allocationWithin(at: Position, className: string): Statement | null {
    const fn = this.functionNode(at);
    const node = fn && allocationIn(fn, className);
    return node ? statementAt(node) : null;
  }

  /** The program with every own file in it, and `file`; answers cached from an older build are dropped. */
  private ready(file: string): SourceProgram {
    if (!this.started) {
      this.started = true;
      for (const own of this.ownFiles()) this.program.add(own);
    }
    this.program.add(file);
    if (this.program.generation !== this.generation) {
      this.generation = this.program.generation;
      this.bindings.clear();
      this.writes.clear();
    }
    return this.program;
  }

  private functionNode(at: Position): ts.FunctionLikeDeclaration | null {
    const sf = this.ready(at.file).sourceFile(at.file);
    if (!sf) return null;
    const offset = this.program.offsetOf(sf, at);
    const fn = offset < 0 ? null : innermostFunction(sf, offset);
    return fn && isFunctionWithBody(fn) ? fn : null;
  }

  private writeNodes(holder: Holder, { replacing = false }: WriteOptions): Array<{ write: Write; node: ts.Node }> {
    const binding = this.binding(holder);
    if (!binding) return [];
    let cached = this.writes.get(binding);
    if (!cached) {
      cached = [];
      for (const expression of referencesTo(this.program, binding)) {
        const into = writeThrough(expression);
        const through = into ?? replacement(expression);
        if (through) cached.push({ write: { ...statementAt(through.node), kind: through.kind }, node: through.node, replaces: !into });
      }
      const rank = (k: WriteKind) => (k === 'adds' ? 0 : 1);
      cached.sort((a, b) => rank(a.write.kind) - rank(b.write.kind) || a.write.file.localeCompare(b.write.file) || a.node.pos - b.node.pos);
      this.writes.set(binding, cached);
    }
    return cached.filter((w) => replacing || !w.replaces);
  }
}

/** How many calls down a write is looked for when the recorded function doesn't write itself. */
const MAX_CALL_DEPTH = 3;

/** The functions `fn` calls by name (`handle(…)`, `this.open(…)`, an imported function), as the compiler resolves them. */
function calledFunctions(checker: ts.TypeChecker, fn: ts.Node): ts.Node[] {
  const out: ts.Node[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const callee = ts.isPropertyAccessExpression(node.expression) ? node.expression.name : node.expression;
      let symbol = checker.getSymbolAtLocation(callee);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      const d = symbol?.valueDeclaration;
      const body = d && ts.isVariableDeclaration(d) ? d.initializer : d;
      if (body && (ts.isFunctionLike(body) || ts.isClassLike(body))) out.push(body);
    }
    node.forEachChild(visit);
  };
  fn.forEachChild(visit);
  return out;
}

/** `holder = …`: the holder replaced by a new value. */
function replacement(expression: ts.Expression): { kind: WriteKind; node: ts.Node } | null {
  const parent = expression.parent;
  return ts.isBinaryExpression(parent) && parent.left === expression && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken ? { kind: 'adds', node: parent } : null;
}
