// The source side of growth sites: holders found through the compiler's scopes and imports,
// and the statements that write into them, on small programs written to a temp folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Holder, Position, SourceCode } from '../../src/source/source-code.ts';
import { scratch } from '../helpers/paths.ts';

function project(files: Record<string, string>): { dir: string; code: SourceCode; at: (file: string, needle: string) => Position } {
  const dir = scratch('source');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const code = new SourceCode(() => Object.keys(files).map((name) => join(dir, name)));
  const at = (file: string, needle: string): Position => {
    const text = files[file];
    const offset = text.indexOf(needle);
    assert.ok(offset >= 0, `${needle} in ${file}`);
    const before = text.slice(0, offset).split('\n');
    return { file: join(dir, file), line: before.length, column: before[before.length - 1].length + 1 };
  };
  return { dir, code, at };
}

const lines = (writes: Array<{ file: string; line: number; code: string }>) => writes.map((w) => `${w.file.split('/').pop()}:${w.line} ${w.code}`);

test('a Map declared in one module is followed into the modules that require, import or reach it', () => {
  const { code, at } = project({
    'store.js': "'use strict';\nconst sessions = new Map();\nfunction size() { return sessions.size; }\nmodule.exports = { sessions, size };\n",
    'handler.js': [
      "const { sessions } = require('./store');",
      "const store = require('./store');",
      'function handle(id) {',
      '  sessions.set(id, { id });',
      '  if (sessions.has(id)) store.sessions.set(`${id}-copy`, {});',
      '}',
      'function unrelated() {',
      '  const sessions = new Map();',
      "  sessions.set('local', 1);",
      '}',
      'module.exports = { handle, unrelated };',
      '',
    ].join('\n'),
    'renamed.mjs': "import store from './store.js';\nconst { sessions: s } = store;\nexport function put(k) { s.set(k, 1); }\n",
  });
  // The heap names the module scope through a function that closed over it.
  const holder: Holder = { kind: 'variable', name: 'sessions', at: at('store.js', 'function size') };
  assert.deepEqual(code.declarationOf(holder), at('store.js', 'sessions = new Map'));
  assert.deepEqual(lines(code.writesInto(holder)), [
    'handler.js:4 sessions.set(id, { id });',
    'handler.js:5 if (sessions.has(id)) store.sessions.set(`${id}-copy`, {});',
    'renamed.mjs:3 export function put(k) { s.set(k, 1); }',
  ]);
  // The same name in another scope is another binding; reading calls (`has`, `size`) are no writes.
  assert.equal(code.writesInto(holder)[0].functionName, 'handle');
});

test('the holder seen from the module that imported it leads to its declaration', () => {
  const { code, at } = project({
    'store.js': 'const sessions = new Map();\nmodule.exports = { sessions };\n',
    'handler.js': "const { sessions } = require('./store');\nfunction handle(id) {\n  sessions.set(id, {});\n}\nmodule.exports = { handle };\n",
  });
  const holder: Holder = { kind: 'variable', name: 'sessions', at: at('handler.js', 'function handle') };
  assert.deepEqual(code.declarationOf(holder), at('store.js', 'sessions = new Map'));
  assert.deepEqual(lines(code.writesInto(holder)), ['handler.js:3 sessions.set(id, {});']);
});

test('a class field is found through `this`, in JavaScript and TypeScript', () => {
  const { code, at } = project({
    'prices.js': [
      'class PriceService {',
      '  constructor() {',
      '    this.cache = new Map();',
      '    this.rows = {};',
      '  }',
      '  quote(sku) {',
      '    this.rows[sku] = true;',
      '    this.cache.set(sku, { sku });',
      '    return this.cache.get(sku);',
      '  }',
      '}',
      'class Other { constructor() { this.cache = new Map(); } fill() { this.cache.set(1, 2); } }',
      'module.exports = { PriceService, Other };',
      '',
    ].join('\n'),
    'store.ts': 'export class Store {\n  private readonly sessions = new Map<string, object>();\n  open(id: string): void {\n    this.sessions.set(id, {});\n  }\n}\n',
  });
  const cache: Holder = { kind: 'property', name: 'cache', at: at('prices.js', 'PriceService {') };
  assert.deepEqual(code.declarationOf(cache), at('prices.js', 'cache = new Map'));
  assert.deepEqual(lines(code.writesInto(cache)), ['prices.js:8 this.cache.set(sku, { sku });']);
  const rows: Holder = { kind: 'property', name: 'rows', at: at('prices.js', 'constructor()') };
  assert.deepEqual(lines(code.writesInto(rows)), ['prices.js:7 this.rows[sku] = true;']);
  const sessions: Holder = { kind: 'property', name: 'sessions', at: at('store.ts', 'class Store') };
  assert.deepEqual(code.declarationOf(sessions), at('store.ts', 'sessions = new Map'));
  assert.deepEqual(lines(code.writesInto(sessions)), ['store.ts:4 this.sessions.set(id, {});']);
});

test('writes of every shape: push, element assignment, listeners, and a call on a dependency object', () => {
  const { code, at } = project({
    'app.js': [
      "const { EventEmitter } = require('node:events');",
      "const { Counter } = require('prom-client');",
      'const frames = [];',
      'const memo = {};',
      'const bus = new EventEmitter();',
      "const requests = new Counter({ name: 'r', help: 'r', labelNames: ['user'] });",
      'function tick(id) {',
      '  frames.push({ id });',
      '  memo[id] ??= [];',
      "  bus.on('change', () => id);",
      '  requests.inc({ user: String(id) });',
      '  return frames.length + requests.get();',
      '}',
      'module.exports = { tick };',
      '',
    ].join('\n'),
  });
  const holder = (name: string): Holder => ({ kind: 'variable', name, at: at('app.js', 'function tick') });
  assert.deepEqual(lines(code.writesInto(holder('frames'))), ['app.js:8 frames.push({ id });']);
  assert.deepEqual(lines(code.writesInto(holder('memo'))), ['app.js:9 memo[id] ??= [];']);
  assert.deepEqual(lines(code.writesInto(holder('bus'))), ["app.js:10 bus.on('change', () => id);"]);
  const inc = code.writesInto(holder('requests'));
  assert.deepEqual(lines(inc), ['app.js:11 requests.inc({ user: String(id) });']);
  assert.equal(inc[0].kind, 'calls');
});

test('a write one call down is found from the caller V8 recorded (inlined frames are missing from stacks)', () => {
  const { code, at } = project({
    'app.js': [
      'const sessions = new Map();',
      'function handle(id) {',
      '  sessions.set(id, { id });',
      '}',
      'setInterval(() => {',
      '  for (let i = 0; i < 10; i++) handle(i);',
      '}, 10);',
      '',
    ].join('\n'),
  });
  const holder: Holder = { kind: 'variable', name: 'sessions', at: at('app.js', '(id) {') };
  const found = code.writesWithin(holder, at('app.js', '() => {'));
  assert.deepEqual(lines(found), ['app.js:3 sessions.set(id, { id });']);
  assert.equal(found[0].functionName, 'handle');
  assert.deepEqual(found[0].functionLines, { start: 2, end: 4 });
});

test('the calls that start a function, by its name and not a same-named one elsewhere', () => {
  const { code, at } = project({
    'app.js': [
      'async function worker(job) {',
      '  await new Promise(() => {});',
      '}',
      'setInterval(() => {',
      '  for (let i = 0; i < 20; i++) worker(i);',
      '}, 50);',
      'function other() {',
      '  const worker = () => 1;',
      '  return worker();',
      '}',
      'module.exports = { other };',
      '',
    ].join('\n'),
  });
  assert.deepEqual(lines(code.callsOf(at('app.js', '(job)'))), ['app.js:5 for (let i = 0; i < 20; i++) worker(i);']);
});

test('the allocating expression, and the function when nothing better is known', () => {
  const { code, at } = project({
    'app.js': 'class Session {}\nfunction open(id) {\n  const log = [id];\n  return new Session(log);\n}\n',
  });
  assert.equal(code.allocationWithin(at('app.js', '(id)'), 'Session')?.line, 4);
  assert.equal(code.allocationWithin(at('app.js', '(id)'), 'Array')?.line, 3);
  assert.equal(code.allocationWithin(at('app.js', '(id)'), 'Map'), null);
  assert.deepEqual({ ...code.functionAt(at('app.js', '(id)')) }, { ...at('app.js', 'function open'), code: 'function open(id) {', functionName: 'open', functionLines: { start: 2, end: 5 } });
});

test('a file that does not parse, or is missing, gives no statements and says why', () => {
  const { dir, code, at } = project({ 'broken.js': 'const sessions = new Map();\nfunction f( {\n  sessions.set(1, 2);\n' });
  const holder: Holder = { kind: 'variable', name: 'sessions', at: at('broken.js', 'function f') };
  assert.equal(code.declarationOf(holder), null);
  assert.deepEqual(code.writesInto(holder), []);
  assert.match(code.problem(join(dir, 'broken.js'))!, /broken\.js:\d+ does not parse/);
  assert.match(code.problem(join(dir, 'gone.js'))!, /gone\.js is missing/);
  assert.equal(code.functionAt({ file: join(dir, 'gone.js'), line: 1, column: 1 }), null);
});
