import ts from 'typescript';
import { isAssigned, isFunctionWithBody } from './bindings.ts';
import { Position } from './program.ts';

/** How a statement feeds a holder: it adds to it, or only calls a method of it (`counter.inc(…)`). */
export type WriteKind = 'adds' | 'calls';

/** Methods that add to a collection or an emitter. */
const ADDING = new Set(['set', 'add', 'push', 'unshift', 'splice', 'on', 'addListener', 'prependListener', 'once', 'prependOnceListener', 'addEventListener']);
/** Methods that read, remove or iterate: a call to one of them feeds nothing. */
const NOT_ADDING = new Set([
  'get', 'has', 'keys', 'values', 'entries', 'forEach', 'map', 'filter', 'find', 'findIndex', 'some', 'every', 'reduce', 'includes',
  'indexOf', 'slice', 'at', 'join', 'toString', 'toJSON', 'listenerCount', 'listeners', 'emit', 'delete', 'clear', 'removeListener',
  'off', 'removeAllListeners', 'removeEventListener', 'shift', 'pop', 'then', 'catch', 'finally',
]);

/** The expression through which `holder` is written into, and how; null when this use only reads it. */
export function writeThrough(holder: ts.Expression): { kind: WriteKind; node: ts.Node } | null {
  const parent = holder.parent;
  // `h.set(…)`, `h.push(…)`, `counter.inc(…)`
  if (ts.isPropertyAccessExpression(parent) && parent.expression === holder && ts.isCallExpression(parent.parent) && parent.parent.expression === parent) {
    const method = parent.name.text;
    if (ADDING.has(method)) return { kind: 'adds', node: parent.parent };
    return NOT_ADDING.has(method) ? null : { kind: 'calls', node: parent.parent };
  }
  if ((ts.isElementAccessExpression(parent) || ts.isPropertyAccessExpression(parent)) && parent.expression === holder) {
    // `h[k] = v`, `h.k = v`, `h[k] ??= []`
    if (isAssigned(parent)) return { kind: 'adds', node: parent.parent };
    // `h[k].push(v)`: a collection of collections
    const call = parent.parent;
    if (ts.isElementAccessExpression(parent) && ts.isPropertyAccessExpression(call) && ADDING.has(call.name.text) && ts.isCallExpression(call.parent)) {
      return { kind: 'adds', node: call.parent };
    }
  }
  // `Object.assign(h, …)`
  if (ts.isCallExpression(parent) && parent.arguments[0] === holder && parent.expression.getText() === 'Object.assign') return { kind: 'adds', node: parent };
  return null;
}

/** A function as people name it: declared name, method name, or the variable an arrow is assigned to; '' at top level. */
export function functionName(fn: ts.Node | null): string {
  if (!fn) return '';
  if (ts.isConstructorDeclaration(fn)) return ts.isClassLike(fn.parent) && fn.parent.name ? fn.parent.name.text : 'constructor';
  const named = (fn as ts.FunctionLikeDeclaration).name;
  if (named && (ts.isIdentifier(named) || ts.isPrivateIdentifier(named) || ts.isStringLiteral(named))) return named.text;
  const parent = fn.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && ts.isIdentifier(parent.name)) return parent.name.text;
  return '(anonymous)';
}

/** The innermost function around `node`, or null at a module's top level. */
export function enclosingFunction(node: ts.Node): ts.FunctionLikeDeclaration | null {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (isFunctionWithBody(n)) return n;
  }
  return null;
}

/** A statement in the source, as a growth site shows it. */
export interface Statement extends Position {
  /** That line of the source, trimmed. */
  code: string;
  functionName: string;
  /** The enclosing function's lines (the file's, at top level). */
  functionLines: { start: number; end: number };
}

export function statementAt(node: ts.Node, fn: ts.Node | null = enclosingFunction(node)): Statement {
  const sf = node.getSourceFile();
  const start = node.getStart(sf);
  const { line, character } = sf.getLineAndCharacterOfPosition(start);
  const lineStart = sf.getLineStarts()[line];
  const lineEnd = line + 1 < sf.getLineStarts().length ? sf.getLineStarts()[line + 1] : sf.text.length;
  const scope = fn ?? sf;
  return {
    file: sf.fileName,
    line: line + 1,
    column: character + 1,
    code: sf.text.slice(lineStart, lineEnd).trim(),
    functionName: functionName(fn),
    functionLines: { start: sf.getLineAndCharacterOfPosition(scope.getStart(sf)).line + 1, end: sf.getLineAndCharacterOfPosition(scope.end).line + 1 },
  };
}

/**
 * Where `fn` allocates an object of `className`: `new ClassName(…)`, or a literal for
 * plain objects and arrays. The first one in source order, or null.
 */
export function allocationIn(fn: ts.Node, className: string): ts.Node | null {
  let found: ts.Node | null = null;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isNewExpression(node) && node.expression.getText() === className) found = node;
    else if (className === 'Object' && ts.isObjectLiteralExpression(node)) found = node;
    else if (className === 'Array' && ts.isArrayLiteralExpression(node)) found = node;
    // Nested functions are their own frames in an allocation stack.
    else if (!(ts.isFunctionLike(node) && node !== fn)) node.forEachChild(visit);
  };
  fn.forEachChild(visit);
  return found;
}
