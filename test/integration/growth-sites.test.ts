// Growth sites on real programs: the statement of the program's own that feeds each leak,
// from allocation stacks when the snapshots carry them, from the source when they don't.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSnapshots } from '../../src/analysis/analyze.ts';
import type { AnalysisReport, Suspect } from '../../src/analysis/report.ts';
import { captureSeries } from '../helpers/snapshot-series.ts';
import { CLI, example, program, scratch } from '../helpers/paths.ts';

interface Case {
  script: string;
  /** The holder the suspect names, and the line that declares it. */
  heldBy: string;
  holder: [file: string, line: number];
  /** The statement that feeds it. */
  site: [file: string, line: number];
  code: RegExp;
}

const CASES: Case[] = [
  { script: 'map-cache.js', heldBy: 'sessions', holder: ['map-cache.js', 5], site: ['map-cache.js', 14], code: /^sessions\.set\(/ },
  { script: 'cross-module/main.js', heldBy: 'sessions', holder: ['cross-module/store.js', 5], site: ['cross-module/handler.js', 9], code: /^sessions\.set\(/ },
  { script: 'class-cache.js', heldBy: 'cache', holder: ['class-cache.js', 7], site: ['class-cache.js', 13], code: /^this\.cache\.set\(/ },
  { script: 'metrics-labels.js', heldBy: 'requests', holder: ['metrics-labels.js', 7], site: ['metrics-labels.js', 14], code: /^requests\.inc\(/ },
  { script: 'ts-service/dist/server.js', heldBy: 'sessions', holder: ['ts-service/src/session-store.ts', 12], site: ['ts-service/src/session-store.ts', 22], code: /^this\.sessions\.set\(/ },
];

async function suspectOf(c: Case, tracked: boolean): Promise<Suspect> {
  const files = await captureSeries(example(c.script), {
    count: 3,
    warmupMs: 800,
    intervalMs: 1000,
    outDir: scratch('sites'),
    nodeArgs: tracked ? ['--track-heap-objects'] : [],
  });
  // Through the CLI, as a user analyses snapshots they already have.
  const analyze = spawnSync(process.execPath, [CLI, 'analyze', ...files, '--json'], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(analyze.status, 0, analyze.stderr);
  const report = JSON.parse(analyze.stdout) as AnalysisReport;
  assert.equal(report.verdict, 'leak', `${c.script}: ${report.verdictReason}`);
  const suspect = report.suspects[0];
  assert.equal(suspect.heldBy, c.heldBy, `${c.script}: ${suspect.title}`);
  assert.deepEqual([suspect.location?.file, suspect.location?.line], [example(c.holder[0]), c.holder[1]], `${c.script}: the holder's declaration`);
  const [site] = suspect.growthSites;
  assert.ok(site, `${c.script}: a growth site (${suspect.growthSitesNote})`);
  assert.deepEqual([site.file, site.line], [example(c.site[0]), c.site[1]], `${c.script}: ${site.code}`);
  assert.match(site.code, c.code);
  assert.equal(site.exact, true);
  return suspect;
}

for (const c of CASES) {
  test(`${c.script}: allocation stacks lead to the statement that feeds the leak, with its bytes`, async () => {
    const suspect = await suspectOf(c, true);
    const [site] = suspect.growthSites;
    assert.equal(site.evidence, 'allocation-stack');
    assert.ok(site.bytes! > 64 * 1024, `${site.bytes} bytes added at the site`);
    assert.ok(site.count! > 100, `${site.count} entries added at the site`);
    assert.ok(site.stack.length > 0 && site.stack.some((f) => f.own), 'the stack reaches the program');
    assert.ok(site.bytes! <= suspect.growthBytes * 1.5, 'a site never adds more than the suspect grew (give or take the first interval)');
  });

  test(`${c.script}: without allocation stacks the source still names the statement`, async () => {
    const suspect = await suspectOf(c, false);
    const [site] = suspect.growthSites;
    assert.equal(site.evidence, 'static');
    assert.equal(site.bytes, null);
    assert.deepEqual(site.stack, []);
    assert.match(suspect.growthSitesNote!, /no allocation stacks/);
  });
}

test('a collection inside a dependency is presented at the program\'s own binding, with the dependency\'s line as a detail', async () => {
  const suspect = await suspectOf(CASES.find((c) => c.script === 'metrics-labels.js')!, true);
  assert.match(suspect.title, /^Counter `requests` keeps growing through \.hashMap$/);
  assert.equal(suspect.inside?.heldBy, 'hashMap');
  assert.match(suspect.inside?.location?.file ?? '', /node_modules[\\/]prom-client[\\/]/);
  assert.ok(!suspect.location?.file.includes('node_modules'), 'the suspect opens the program\'s own line first');
  assert.ok(!suspect.growthSites.some((site) => site.file.includes('node_modules')), 'growth sites are the program\'s own');
});

test('snapshots written from inside the function that fills the Map still name the Map, and that function\'s line', async () => {
  const dir = scratch('inside-step');
  const run = spawnSync(process.execPath, [program('snapshot-inside-step.js'), dir], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  const report = await analyzeSnapshots([1, 2, 3].map((k) => join(dir, `${k}.heapsnapshot`)));
  assert.equal(report.verdict, 'leak', report.verdictReason);
  assert.deepEqual(
    report.suspects.map((s) => s.title),
    ['Map `sessions` keeps growing'],
  );
  assert.equal(report.suspects[0].location?.line, 16);
  assert.deepEqual([report.suspects[0].growthSites[0]?.line, report.suspects[0].growthSites[0]?.functionName], [24, 'step']);
});

test('sources that are missing or do not parse: the suspect keeps its holder, and says why it has no growth site', async () => {
  // The built service alone, its source map pointing at ../src, which is not there…
  const dir = scratch('no-sources');
  mkdirSync(join(dir, 'dist'));
  for (const file of ['server.js', 'server.js.map', 'package.json']) cpSync(example(`ts-service/dist/${file}`), join(dir, 'dist', file));
  const files = await captureSeries(join(dir, 'dist/server.js'), { count: 3, warmupMs: 800, intervalMs: 1000, outDir: join(dir, 'snapshots') });
  const missing = (await analyzeSnapshots(files)).suspects[0];
  assert.equal(missing.heldBy, 'sessions');
  assert.ok(missing.location, 'the holder keeps a location');
  assert.deepEqual(missing.growthSites, []);
  assert.match(missing.growthSitesNote!, /session-store\.ts is missing/);
  // …then there, but not valid TypeScript any more.
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src/server.ts'), readFileSync(example('ts-service/src/server.ts')));
  writeFileSync(join(dir, 'src/session-store.ts'), 'export class SessionStore {\n  open(user: string {\n');
  const broken = (await analyzeSnapshots(files)).suspects[0];
  assert.deepEqual(broken.growthSites, []);
  assert.match(broken.growthSitesNote!, /session-store\.ts:\d+ does not parse/);
});
