import ts from 'typescript';
import { Position, SourceProgram } from './program.ts';

/** What holds a growing object, as the heap names it. */
export type Holder =
  /** A variable of the scope that the function at `at` closed over (a module's top level, or a function's). */
  | { kind: 'variable'; name: string; at: Position }
  /** A property of the objects that the class or constructor function at `at` makes. */
  | { kind: 'property'; name: string; at: Position }
  /** What the module in `at.file` exports under `name` (`module.exports = { sessions }`, `export const sessions`). */
  | { kind: 'export'; name: string; at: Position };

/** A holder found in the source: its symbol, and where it is declared. */
export interface Binding {
  holder: Holder;
  symbol: ts.Symbol;
  declaration: Position;
}

/** A function with code of its own (not a signature or an overload). */
export function isFunctionWithBody(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return ts.isFunctionLike(node) && 'body' in node && !!node.body;
}

/** The innermost function (or, with `classes`, class) whose text contains `offset`. */
export function innermostFunction(sf: ts.SourceFile, offset: number, classes = false): ts.FunctionLikeDeclaration | ts.ClassLikeDeclaration | null {
  let found: ts.FunctionLikeDeclaration | ts.ClassLikeDeclaration | null = null;
  const visit = (node: ts.Node): void => {
    if (offset < node.getStart(sf) || offset >= node.end) return;
    if (isFunctionWithBody(node)) found = node;
    else if (classes && ts.isClassLike(node)) found = node;
    node.forEachChild(visit);
  };
  sf.forEachChild(visit);
  return found;
}

/** Finds the holder's symbol through the compiler's scopes, not by its text. */
export function resolveHolder(program: SourceProgram, holder: Holder): Binding | null {
  const sf = program.sourceFile(holder.at.file);
  if (!sf) return null;
  const offset = program.offsetOf(sf, holder.at);
  if (offset < 0) return null;
  const found =
    holder.kind === 'variable'
      ? variableSymbol(program, sf, offset, holder.name)
      : holder.kind === 'property'
        ? propertySymbol(program, sf, offset, holder.name)
        : exportSymbol(program, sf, holder.name);
  // `const { sessions } = require('./store')`: the Map is declared where the import leads.
  const symbol = found && original(program.checker, found);
  const declaration = symbol && declarationNode(symbol);
  if (!symbol || !declaration) return null;
  const name = ts.getNameOfDeclaration(declaration) ?? declaration;
  const declSf = declaration.getSourceFile();
  return { holder, symbol, declaration: program.positionOf(declSf, name.getStart(declSf)) };
}

function variableSymbol(program: SourceProgram, sf: ts.SourceFile, offset: number, name: string): ts.Symbol | null {
  // The scope a closure captured is the one around it: look from the closure's parent out.
  const closure = innermostFunction(sf, offset);
  const location = closure?.parent ?? sf;
  const meaning = ts.SymbolFlags.Variable | ts.SymbolFlags.Function | ts.SymbolFlags.Class | ts.SymbolFlags.Alias;
  return program.checker.getSymbolsInScope(location, meaning).find((s) => s.name === name) ?? null;
}

function propertySymbol(program: SourceProgram, sf: ts.SourceFile, offset: number, name: string): ts.Symbol | null {
  let owner = innermostFunction(sf, offset, true);
  if (owner && ts.isConstructorDeclaration(owner)) owner = owner.parent;
  if (!owner) return null;
  const checker = program.checker;
  // A declared field (`private sessions = new Map()`) or the first `this.sessions = …` inside.
  let found: ts.Symbol | null = null;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isPropertyDeclaration(node) && node.name.getText(sf) === name) found = checker.getSymbolAtLocation(node.name) ?? null;
    else if (ts.isPropertyAccessExpression(node) && node.expression.kind === ts.SyntaxKind.ThisKeyword && node.name.text === name && isAssigned(node)) {
      found = checker.getSymbolAtLocation(node.name) ?? null;
    }
    if (!found) node.forEachChild(visit);
  };
  owner.forEachChild(visit);
  return found;
}

function exportSymbol(program: SourceProgram, sf: ts.SourceFile, name: string): ts.Symbol | null {
  const checker = program.checker;
  const module = checker.getSymbolAtLocation(sf);
  if (module) return checker.getExportsOfModule(module).find((s) => s.name === name) ?? null;
  // CommonJS: `module.exports = { name }`, `module.exports.name = …`, `exports.name = …`.
  let found: ts.Symbol | null = null;
  const visit = (node: ts.Node): void => {
    if (found || ts.isFunctionLike(node)) return;
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const target = node.left.getText(sf);
      if ((target === 'module.exports' || target === 'exports') && ts.isObjectLiteralExpression(node.right)) {
        const property = node.right.properties.find((p) => p.name && ts.isIdentifier(p.name) && p.name.text === name);
        if (property) found = checker.getSymbolAtLocation(property.name!) ?? null;
      } else if (target === `module.exports.${name}` || target === `exports.${name}`) {
        found = checker.getSymbolAtLocation((node.left as ts.PropertyAccessExpression).name) ?? null;
      }
    }
    node.forEachChild(visit);
  };
  sf.forEachChild(visit);
  return found;
}

function declarationNode(symbol: ts.Symbol): ts.Declaration | null {
  return symbol.valueDeclaration ?? symbol.declarations?.[0] ?? null;
}

/** Whether `node` is written: the left side of `=`, `??=`, `+=` and the like. */
export function isAssigned(node: ts.Node): boolean {
  const parent = node.parent;
  return ts.isBinaryExpression(parent) && parent.left === node && parent.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && parent.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
}

/**
 * What an identifier stands for once imports, `require` destructuring, exported object
 * literals (`module.exports = { sessions }`) and `exports.x = x` are seen through.
 */
function targetOf(checker: ts.TypeChecker, id: ts.Identifier): ts.Symbol | undefined {
  const symbol = ts.isShorthandPropertyAssignment(id.parent) ? checker.getShorthandAssignmentValueSymbol(id.parent) : checker.getSymbolAtLocation(id);
  return symbol && original(checker, symbol);
}

/** The symbol an alias, an exported object's property or an `exports.x = x` stands for, followed to its origin. */
function original(checker: ts.TypeChecker, symbol: ts.Symbol): ts.Symbol {
  for (let hops = 0; symbol && hops < 8; hops++) {
    if (symbol.flags & ts.SymbolFlags.Alias) {
      const aliased = checker.getAliasedSymbol(symbol);
      if (aliased === symbol) break;
      symbol = aliased;
      continue;
    }
    const d = symbol.valueDeclaration;
    let next: ts.Symbol | undefined;
    if (d && ts.isShorthandPropertyAssignment(d)) next = checker.getShorthandAssignmentValueSymbol(d);
    else if (d && ts.isPropertyAssignment(d) && ts.isIdentifier(d.initializer)) next = checker.getSymbolAtLocation(d.initializer);
    else if (d && ts.isBinaryExpression(d) && ts.isIdentifier(d.right)) next = checker.getSymbolAtLocation(d.right);
    else if (d && ts.isBindingElement(d) && ts.isObjectBindingPattern(d.parent) && !d.dotDotDotToken) {
      // `const { sessions: s } = store`: the property of what is destructured.
      const key = d.propertyName ?? d.name;
      if (ts.isIdentifier(key)) next = checker.getTypeAtLocation(d.parent).getProperty(key.text);
    } else if (d && (ts.isPropertyAccessExpression(d) || ts.isElementAccessExpression(d)) && isAssigned(d)) {
      const right = (d.parent as ts.BinaryExpression).right;
      if (ts.isIdentifier(right)) next = checker.getSymbolAtLocation(right);
    }
    if (!next || next === symbol) break;
    symbol = next;
  }
  return symbol;
}

/**
 * Every place in the program's own files that uses the binding: the expression standing for
 * the holder (`sessions`, `store.sessions`, `this.cache`), found by resolving names through
 * the compiler, so a same-named variable elsewhere is not one of them.
 */
export function referencesTo(program: SourceProgram, binding: Binding): ts.Expression[] {
  const checker = program.checker;
  const names = new Set([binding.holder.name]);
  const found: ts.Expression[] = [];
  const seen = new Set<ts.Node>();
  // Renaming imports (`const { sessions: s } = require(…)`) add local names: a second pass finds their uses.
  for (let pass = 0; pass < 2; pass++) {
    const before = names.size;
    for (const sf of program.ownFiles()) {
      const visit = (node: ts.Node): void => {
        if (ts.isIdentifier(node) && names.has(node.text) && !seen.has(node)) {
          const renamed = renamedLocal(node);
          if (targetOf(checker, node) === binding.symbol) {
            seen.add(node);
            if (renamed) names.add(renamed);
            const holder = ts.isPropertyAccessExpression(node.parent) && node.parent.name === node ? node.parent : node;
            if (!isDeclarationName(node)) found.push(holder);
          }
        }
        node.forEachChild(visit);
      };
      visit(sf);
    }
    if (names.size === before) break;
  }
  return found;
}

/** `{ sessions: s }` or `import { sessions as s }`: the local name `s` for the imported one. */
function renamedLocal(id: ts.Identifier): string | null {
  const parent = id.parent;
  if ((ts.isBindingElement(parent) || ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent)) && parent.propertyName === id) return parent.name.getText();
  return null;
}

function isDeclarationName(id: ts.Identifier): boolean {
  const parent = id.parent;
  return ts.getNameOfDeclaration(parent as ts.Declaration) === id && !ts.isShorthandPropertyAssignment(parent) && !ts.isPropertyAccessExpression(parent);
}
