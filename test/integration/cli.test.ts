// `leakscope analyze` as a user runs it: the built CLI in a child process.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureSeries } from '../helpers/snapshot-series.ts';
import { CLI, example, program, scratch } from '../helpers/paths.ts';
import { buildSnapshot } from '../helpers/snapshot-builder.ts';
import { programNodes } from '../helpers/node-versions.ts';
import type { AnalysisReport } from '../../src/analysis/report.ts';

/** The built CLI in a child process, on the given node (by default the one running the tests). */
function leakscopeOn(node: string, ...args: string[]) {
  const result = spawnSync(node, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const leakscope = (...args: string[]) => leakscopeOn(process.execPath, ...args);

let snapshots: string[] = [];
before(async () => {
  snapshots = await captureSeries(example('map-cache.js'), { count: 3, warmupMs: 800, intervalMs: 1000, outDir: scratch('cli') });
});

test('--help lists analyze and exits 0', () => {
  const { code, stdout } = leakscope('--help');
  assert.equal(code, 0);
  assert.match(stdout, /leakscope analyze <a\.heapsnapshot>/);
});

test('the text report names the suspect, its line and its path, pprof-style', () => {
  const { code, stdout, stderr } = leakscope('analyze', ...snapshots);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /Verdict: LEAK/);
  assert.match(stdout, /1\. Map `sessions` keeps growing/);
  assert.match(stdout, /at examples\/map-cache\.js:5:7|map-cache\.js:5:7/);
  assert.match(stdout, /→ +5 {2}const sessions = new Map\(\);/);
  assert.match(stdout, /\(module map-cache\.js\) sessions → Map/);
  assert.match(stdout, /flat +flat% +sum% +cum +cum% +count +class/);
  assert.equal(stderr, '', 'no progress bar when stderr is not a terminal');
});

test('a snapshot of tens of MB, read by the section workers of the bundle, names the array that holds the records at its line', async () => {
  const [file] = await captureSeries(program('big-heap.js'), { count: 1, warmupMs: 400, intervalMs: 0, outDir: scratch('cli-big') });
  assert.ok(statSync(file).size > 32 * 1024 * 1024, 'past the size where the nodes and edges are read on two more threads');
  const { code, stdout, stderr } = leakscope('analyze', '--json', file);
  assert.equal(code, 0, stderr);
  const [largest] = (JSON.parse(stdout) as AnalysisReport).largest;
  assert.equal(largest.className, 'Array');
  assert.equal(largest.retainerPath.at(-2), '(module big-heap.js) records');
  assert.equal(largest.location?.line, 4, 'const records = [];');
  assert.ok(largest.retainedBytes > 20_000_000);
});

test('--json gives the report for machines', () => {
  const { code, stdout } = leakscope('analyze', '--json', '--top', '5', ...snapshots);
  assert.equal(code, 0);
  const report = JSON.parse(stdout) as AnalysisReport;
  assert.equal(report.verdict, 'leak');
  assert.equal(report.top.length, 5);
  assert.equal(report.snapshots.length, 3);
  assert.deepEqual(
    { kind: report.suspects[0].kind, heldBy: report.suspects[0].heldBy, line: report.suspects[0].location?.line },
    { kind: 'collection', heldBy: 'sessions', line: 5 },
  );
});

for (const { major, path: node } of programNodes()) {
  test(`the CLI on Node ${major}: a run finds the Map and its line, with nothing but its own lines on stderr`, () => {
    const json = join(scratch(`cli-${major}`), 'report.json');
    const { code, stderr } = leakscopeOn(node, 'run', example('map-cache.js'), '--duration', '4', '--json', json);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(readFileSync(json, 'utf8')) as AnalysisReport;
    assert.equal(report.verdict, 'leak', report.verdictReason);
    assert.equal(report.suspects[0]?.heldBy, 'sessions');
    assert.equal(report.suspects[0]?.location?.line, 5);
    // Snapshots taken through the inspector name V8's contexts after the debugger's ('… / ').
    const path = report.suspects[0]?.retainerPath ?? [];
    assert.equal(path[0], 'global', path.join(' → '));
    assert.equal(path.at(-2), '(module map-cache.js) sessions', path.join(' → '));
    const foreign = stderr.split('\n').filter((line) => line && !line.startsWith('leakscope: '));
    assert.deepEqual(foreign, [], 'no warnings from node or the libraries');
  });
}

test('bad input: one sentence on stderr, exit code 2, no stack trace, on every Node', () => {
  for (const { major, path: node } of programNodes()) badInput(major, node);
});

function badInput(major: number, node: string) {
  const leakscope = (...args: string[]) => leakscopeOn(node, ...args);
  const dir = scratch(`bad-${major}`);
  const good = readFileSync(snapshots[0], 'utf8');
  const cases: Array<[string, string | null, RegExp]> = [
    ['truncated.heapsnapshot', good.slice(0, Math.floor(good.length / 2)), /truncated\.heapsnapshot: truncated at byte \d+ inside '(edges|nodes|strings)'/],
    ['package.heapsnapshot', '{"name": "x", "version": "1.0.0"}', /not a heap snapshot: the first key is 'name'/],
    ['image.heapsnapshot', '\x89PNG\r\n', /not a heap snapshot/],
    ['empty.heapsnapshot', '', /empty\.heapsnapshot is empty/],
    ['folder.heapsnapshot', null, /folder\.heapsnapshot is a directory/],
  ];
  for (const [name, content, expected] of cases) {
    const path = join(dir, name);
    if (content === null) mkdirSync(path);
    else writeFileSync(path, content);
    const { code, stdout, stderr } = leakscope('analyze', path);
    assert.equal(code, 2, `Node ${major}, ${name}: exit code`);
    assert.equal(stdout, '');
    assert.match(stderr, expected, name);
    assert.equal(stderr.trim().split('\n').length, 1, `${name}: one line, got ${stderr}`);
    assert.doesNotMatch(stderr, /\n\s+at /, `${name}: no stack trace`);
  }
  assert.match(leakscope('analyze', join(dir, 'nope.heapsnapshot')).stderr, /nope\.heapsnapshot: no such file/);
  assert.match(leakscope('analyze').stderr, /needs at least one \.heapsnapshot file/);
  assert.match(leakscope('frobnicate').stderr, /unknown command 'frobnicate'/);
}

test('a snapshot from another V8 with fields we do not know still analyses', () => {
  const dir = scratch('future');
  const path = join(dir, 'future.heapsnapshot');
  writeFileSync(
    path,
    buildSnapshot(
      [
        { type: 'synthetic', name: '', edges: [{ type: 'shortcut', name: 1, to: 1 }] },
        { name: 'Window', self: 16, edges: [{ type: 'property', name: 'cache', to: 2 }] },
        { type: 'quantum object', name: 'Cache', self: 1000 },
      ],
      { extraNodeFields: ['cpu_profile_node'], extraTopLevel: { new_section: [[1, 2], { a: 'b' }] } },
    ),
  );
  const { code, stdout, stderr } = leakscope('analyze', path);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /\(unknown\)|Cache/);
});

test('a memory budget too small for the file is refused before parsing, with its own exit code', () => {
  const { code, stderr } = leakscope('analyze', '--max-memory', '1', snapshots[0]);
  assert.equal(code, 3);
  assert.match(stderr, /needs about .* of memory, but only .* is available \(raise the limit with --max-memory\)/);
});

test('a source map that cannot be read: a note in the report, and a log line on stderr with --verbose only', async () => {
  const dir = scratch('cli-map');
  const script = join(dir, 'server.js');
  // A built file whose inline source map is not JSON ("not json", base64).
  writeFileSync(script, 'const sessions = new Map();\nfor (let k = 0; k < 2000; k++) sessions.set(k, { data: new Array(100).fill(k) });\nsetInterval(() => {}, 1000);\n//# sourceMappingURL=data:application/json;base64,bm90IGpzb24=\n');
  const [file] = await captureSeries(script, { count: 1, warmupMs: 300, intervalMs: 0, outDir: dir });
  const quiet = leakscope('analyze', '--json', file);
  assert.equal(quiet.code, 0, quiet.stderr);
  const note = `the source map of ${script} could not be read`;
  assert.ok((JSON.parse(quiet.stdout) as AnalysisReport).notes.some((n) => n.startsWith(note)), quiet.stdout.slice(0, 2000));
  assert.doesNotMatch(quiet.stderr, /\[warn\]/);
  const verbose = leakscope('analyze', '--verbose', file);
  assert.equal(verbose.code, 0, verbose.stderr);
  assert.ok(verbose.stderr.includes(`leakscope [warn] analysis: ${note}`), verbose.stderr);
});
