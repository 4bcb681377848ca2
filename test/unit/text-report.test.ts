// The text report's suspects as a user reads them: growth, holder, the `grows at` lines and
// the `list`-style excerpt of the top site's function with the bytes added per line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnalysisReport, Suspect } from '../../src/analysis/report.ts';
import { formatTextReport } from '../../src/cli/text-report.ts';
import { at, MB, mapSuspect, setSite, staticSite, writeMapCache } from '../helpers/growth-suspects.ts';
import { scratch } from '../helpers/paths.ts';

const dir = scratch('text-report');
const file = writeMapCache(dir);

function report(suspect: Suspect): AnalysisReport {
  const snapshot = (k: number) => ({
    file: `${dir}/${k}.heapsnapshot`,
    fileBytes: 10 * MB,
    nodeCount: 100_000,
    edgeCount: 400_000,
    totalBytes: (10 + 20 * k) * MB,
    newObjects: k === 1 ? null : 40_000,
    newBytes: k === 1 ? null : 20 * MB,
    newStillAlive: k === 1 ? null : 16_000,
    nativeBytes: 0,
    allocationTimeline: null,
  });
  return {
    version: 1,
    verdict: 'leak',
    verdictReason: '1 object(s) grew in every one of the 2 intervals',
    snapshots: [snapshot(1), snapshot(2), snapshot(3)],
    top: [],
    largest: [],
    classDeltas: [],
    suspects: [suspect],
    groups: [],
    notes: [],
  };
}

/** The lines of suspect 1, from its title to its fix. */
function suspectBlock(text: string): string[] {
  const lines = text.split('\n');
  const first = lines.findIndex((l) => l.startsWith('  1. '));
  const fix = lines.findIndex((l, k) => k > first && l.startsWith('     fix: '));
  return lines.slice(first, fix + 1);
}

test('a suspect with allocation-stack sites: grows at lines, most bytes first, then its function listed with bytes per line', () => {
  const block = suspectBlock(formatTextReport(report(mapSuspect(file)), dir));
  assert.deepEqual(block, [
    '  1. Map `sessions` keeps growing',
    '     grew +39 MB (+32,200 entries); now 48 MB, 40,000 entries',
    '     at map-cache.js:3:7',
    '                1  \'use strict\';',
    '                2',
    '           →    3  const sessions = new Map();',
    '                4',
    '                5  function handleRequest(id) {',
    '     held by: (module map-cache.js) sessions → Map',
    '     grows at map-cache.js:25:3  sessions.set(…) in handleRequest() — +37 MB (+30,700 entries)',
    '     grows at map-cache.js:29:13  in tick() — +2.0 MB (+1,500 entries) (the line is where the function starts)',
    '     handleRequest() in map-cache.js — bytes added per line in the last interval, still alive:',
    '                5  function handleRequest(id) {',
    '                 ⋮',
    '               20    step(20);',
    '               21    step(21);',
    '               22    step(22);',
    '               23    step(23);',
    '               24    step(24);',
    '       37 MB   25    sessions.set(`session-${id}`, session);',
    '               26    return session.user;',
    '               27  }',
    '     fix: Bound it: evict old entries, or delete them when a session ends.',
  ]);
});

test('static sites say what they write into and get an arrow in the listing; the note says why there are no stacks', () => {
  const note = 'No allocation stacks were recorded (run with --track-allocations): these statements write into sessions.';
  const s = mapSuspect(file, { growthSites: [staticSite(file), staticSite(file, { line: 6, column: 3, code: 'const session = { id, user: `user-${id}` };' })], growthSitesNote: note });
  const block = suspectBlock(formatTextReport(report(s), dir));
  assert.ok(block.includes('     grows at map-cache.js:25:3  sessions.set(…) in handleRequest() (static: writes into sessions)'), block.join('\n'));
  assert.ok(block.includes('     handleRequest() in map-cache.js:'), 'no bytes, so no "bytes added per line"');
  assert.ok(block.includes('           →   25    sessions.set(`session-${id}`, session);'));
  assert.ok(block.includes('           →    6    const session = { id, user: `user-${id}` };'));
  assert.equal(block.at(-2), `     note: ${note}`);
});

test('no sites: only the note, no grows at and no listing', () => {
  const note = 'The snapshots recorded no allocation stacks, and no statement in the program writes into this Map.';
  const block = suspectBlock(formatTextReport(report(mapSuspect(file, { growthSites: [], growthSitesNote: note })), dir));
  assert.ok(!block.some((l) => l.includes('grows at') || l.includes('bytes added per line')));
  assert.ok(block.includes(`     note: ${note}`));
});

test('made inside a dependency: its holder and line follow the program’s own line', () => {
  const counter = '/srv/app/node_modules/prom-client/lib/counter.js';
  const s = mapSuspect(file, { inside: { heldBy: 'Counter .hashMap', location: at(counter, 40, 5) } });
  const block = suspectBlock(formatTextReport(report(s), dir));
  const own = block.indexOf('     at map-cache.js:3:7');
  const inside = block.indexOf(`     inside: prom-client's Counter .hashMap at ${counter}:40:5`);
  assert.ok(own >= 0 && inside > own, block.join('\n'));
});

test('at most five grows at lines, then how many more', () => {
  const sites = Array.from({ length: 7 }, (_, k) => setSite(file, { line: 7 + k, code: `step(${7 + k});`, bytes: (7 - k) * MB, count: 100 }));
  const block = suspectBlock(formatTextReport(report(mapSuspect(file, { growthSites: sites })), dir));
  assert.equal(block.filter((l) => l.includes('grows at')).length, 5);
  assert.ok(block.includes('     grows at map-cache.js:7:3  step(7) in handleRequest() — +7.0 MB (+100 entries)'));
  assert.ok(block.includes('     and 2 more growth sites (all of them in the JSON report)'));
});
