// How things read in every view: sizes, counts, places, verdicts, suspects and their growth
// sites, the `list`-style excerpt with bytes in the margin, and the allocation timeline's bars.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SourceFiles } from '../../src/analysis/source.ts';
import { codeGist, frameText, growthSiteLine, moreSitesText, siteLabel, siteSummary, stackLines } from '../../src/present/sites.ts';
import { excerptAround, listTopSite, marginText } from '../../src/present/listing.ts';
import { codeOwner, formatPlace, shortPlace } from '../../src/present/places.ts';
import { growthText, insideText, nowText, suspectName, VERDICT_STAMP, verdictLabel } from '../../src/present/suspects.ts';
import { timelineBars } from '../../src/present/timeline.ts';
import { formatBytes, formatCountDelta, formatDelta, formatPercent, formatPerMinute, formatSeconds, niceStep } from '../../src/present/units.ts';
import { at, inexactSite, MB, mapSuspect, setSite, staticSite, writeMapCache } from '../helpers/growth-suspects.ts';
import { scratch } from '../helpers/paths.ts';

const dir = scratch('present');
const file = writeMapCache(dir);

test('sizes, counts and rates: signed where they are changes', () => {
  assert.deepEqual([formatBytes(512), formatBytes(12.4 * 1024), formatBytes(37 * MB), formatBytes(-300 * 1024)], ['512 B', '12 KB', '37 MB', '-300 KB']);
  assert.deepEqual([formatDelta(3.1 * MB), formatDelta(-300 * 1024), formatDelta(0)], ['+3.1 MB', '-300 KB', '+0 B']);
  assert.deepEqual([formatCountDelta(30_700), formatCountDelta(-12), formatCountDelta(0)], ['+30,700', '-12', '0']);
  assert.equal(formatPerMinute(MB / 60), '+1.0 MB/min');
  assert.deepEqual([formatPercent(1, 8), formatPercent(1, 0)], ['12.5%', '-']);
});

test('seconds, and steps of 1, 2 or 5 × 10ⁿ', () => {
  assert.deepEqual([formatSeconds(500), formatSeconds(9_500), formatSeconds(12_345)], ['0.5 s', '9.5 s', '12 s']);
  assert.deepEqual([niceStep(0.7), niceStep(1), niceStep(1.2), niceStep(3), niceStep(112.5), niceStep(0)], [1, 1, 2, 5, 200, 1]);
});

test('the allocation timeline: what was held from before tracking apart, the rest in bars no finer than V8 sampled', () => {
  assert.equal(timelineBars(null, 40), null);
  assert.equal(timelineBars([{ timeMs: 0, liveBytes: 9 }], 40), null, 'nothing recorded after tracking started');
  // V8 samples about every 50 ms; 40 bars over 4 s would be 100 ms each.
  const every50 = [{ timeMs: 0, liveBytes: 5_000 }, ...Array.from({ length: 80 }, (_, k) => ({ timeMs: (k + 1) * 50, liveBytes: k < 40 ? 10 : 0 }))];
  assert.deepEqual(timelineBars(every50, 40), { beforeBytes: 5_000, stepMs: 100, bars: [...Array(20).fill(20), ...Array(20).fill(0)] });
  // Sampled every 500 ms: a bar of 100 ms would stand empty four times in five.
  const every500 = [{ timeMs: 0, liveBytes: 0 }, ...[500, 1000, 1500].map((timeMs) => ({ timeMs, liveBytes: 7 }))];
  assert.deepEqual(timelineBars(every500, 40), { beforeBytes: 0, stepMs: 500, bars: [7, 7, 7] });
});

test('places: relative to the root when below it, short in rows, and whose code a file is', () => {
  assert.equal(formatPlace(at(file, 25, 3), dir), 'map-cache.js:25:3');
  assert.equal(formatPlace(at(file, 25, 3), join(dir, 'elsewhere')), `${file}:25:3`, 'outside the root: absolute');
  assert.equal(formatPlace(null, dir), 'location unknown');
  assert.equal(shortPlace(at('/app/src/server.ts', 14)), 'server.ts:14');
  assert.equal(codeOwner('/app/node_modules/prom-client/lib/counter.js'), 'prom-client');
  assert.equal(codeOwner('/app/node_modules/@scope/pkg/index.js'), '@scope/pkg');
  assert.equal(codeOwner('/app/node_modules/a/node_modules/b/lib/b.js'), 'b', 'the innermost package');
  assert.equal(codeOwner('node:internal/timers'), 'Node');
  assert.equal(codeOwner('/app/src/node_modules.js'), null);
});

test('verdicts: a stamp in the reports, words in the editor', () => {
  assert.deepEqual(Object.values(VERDICT_STAMP), ['LEAK', 'NO LEAK', 'INCONCLUSIVE']);
  assert.deepEqual((['leak', 'no-leak', 'inconclusive'] as const).map(verdictLabel), ['Leak', 'No leak', 'Need another snapshot']);
});

test('a suspect’s growth counts entries for collections and objects for the rest; a short name for narrow rows', () => {
  const map = mapSuspect(file);
  assert.equal(growthText(map), '+39 MB (+32,200 entries)');
  assert.equal(growthText(map, [0, 20_000]), '+39 MB (+32,200 entries) in 20 s');
  assert.equal(growthText(map, [0, 300_000]), '+39 MB (+32,200 entries) in 5 min');
  assert.equal(nowText({ ...map, externalBytes: 36 * MB }), '48 MB, 40,000 entries (36 MB outside the JS heap)');
  assert.equal(growthText({ ...map, countGrowth: 0 }), '+39 MB', 'no count when it did not change');
  const timers = mapSuspect(file, { kind: 'timers', title: 'setInterval(tick) at map-cache.js:29', className: 'Timeout', heldBy: null, location: at(file, 29), countGrowth: 400, count: 420 });
  assert.equal(growthText(timers), '+39 MB (+400 objects)');
  assert.equal(nowText(timers), '48 MB, 420 objects');
  assert.equal(suspectName(map), 'Map sessions');
  assert.equal(suspectName(timers), 'timers at map-cache.js:29');
  assert.equal(suspectName({ ...map, kind: 'listeners', className: 'EventEmitter', heldBy: 'bus' }), 'listeners on bus');
  assert.equal(suspectName({ ...map, heldBy: null }), 'Map @4242');
});

test('a statement shows whole when short, else with its arguments folded', () => {
  assert.equal(codeGist('cache.push(row);'), 'cache.push(row)');
  assert.equal(codeGist('sessions.set(`session-${id}`, session);'), 'sessions.set(…)');
  assert.equal(codeGist('this.rows[this.rows.length] = { id, payload, createdAt };'), 'this.rows[…] = {…}');
  assert.equal(codeGist('x'.repeat(80)).length, 48);
});

test('a growth site reads as its statement, its function and what it added; static and inexact ones say so', () => {
  const s = mapSuspect(file);
  const [exact, inexact] = s.growthSites;
  assert.equal(growthSiteLine(exact, s, dir), 'grows at map-cache.js:25:3  sessions.set(…) in handleRequest() — +37 MB (+30,700 entries)');
  assert.equal(siteSummary(inexact, s), 'in tick() — +2.0 MB (+1,500 entries) (the line is where the function starts)');
  assert.equal(siteSummary(staticSite(file), s), 'sessions.set(…) in handleRequest() (static: writes into sessions)');
  assert.equal(siteSummary(setSite(file, { functionName: '', bytes: 4 * MB, count: null }), s), 'sessions.set(…) at top level — +4.0 MB');
  assert.equal(siteLabel(exact), 'map-cache.js:25 sessions.set(…)');
  assert.equal(siteLabel(inexact), 'map-cache.js:29 tick()');
});

test('an allocation stack reads a frame per line, innermost first, with whose code each library frame is', () => {
  const site = setSite(file);
  assert.deepEqual(stackLines(site), [
    'Allocation stack, innermost first:',
    '  handleRequest() map-cache.js:5',
    '  (anonymous)() map-cache.js:29',
    '  listOnTimeout() timers:581 (Node)',
  ]);
  assert.equal(frameText({ ...at('/app/node_modules/prom-client/lib/counter.js', 40), functionName: 'inc', own: false }), 'inc() counter.js:40 (prom-client)');
  assert.deepEqual(stackLines(staticSite(file)), []);
});

test('the dependency a suspect is made inside is named by its package', () => {
  assert.equal(insideText({ heldBy: 'Counter .hashMap', location: at('/app/node_modules/prom-client/lib/counter.js', 40) }), "prom-client's Counter .hashMap");
  assert.equal(insideText({ heldBy: null, location: null }), 'an object');
});

test('past five sites a report says how many more there are', () => {
  const few = mapSuspect(file);
  assert.equal(moreSitesText(few), null);
  const many = mapSuspect(file, { growthSites: Array.from({ length: 8 }, (_, k) => setSite(file, { line: 7 + k })) });
  assert.equal(moreSitesText(many), 'and 3 more growth sites (all of them in the JSON report)');
});

test('list: a long function is clipped around its sites, with the bytes added at each line in the margin', () => {
  const s = mapSuspect(file, { growthSites: [setSite(file), setSite(file, { column: 30, bytes: MB, count: 100 }), staticSite(file, { line: 6, column: 3 })] });
  const listing = listTopSite(s, new SourceFiles());
  assert.ok(listing);
  const rows = listing.map((l) => (l ? `${marginText(l).padStart(6)} ${l.line} ${l.text.trim()}` : '⋮'));
  assert.deepEqual(rows, [
    '       5 function handleRequest(id) {',
    '     → 6 const session = { id, user: `user-${id}` };',
    '       7 step(7);',
    '       8 step(8);',
    '       9 step(9);',
    '       10 step(10);',
    '       11 step(11);',
    '⋮',
    '       20 step(20);',
    '       21 step(21);',
    '       22 step(22);',
    '       23 step(23);',
    '       24 step(24);',
    ' 38 MB 25 sessions.set(`session-${id}`, session);',
    '       26 return session.user;',
    '       27 }',
  ]);
});

test('list: a short function whole; the excerpt around a line marks it; no source, no listing', () => {
  const s = mapSuspect(file, { growthSites: [inexactSite(file)] });
  const listing = listTopSite(s, new SourceFiles());
  assert.deepEqual(
    listing?.map((l) => l && [l.line, marginText(l)]),
    [
      [29, '2.0 MB'],
      [30, ''],
      [31, ''],
    ],
  );
  const around = excerptAround(at(file, 3, 7), new SourceFiles());
  assert.deepEqual(
    around?.map((l) => l && [l.line, marginText(l)]),
    [
      [1, ''],
      [2, ''],
      [3, '→'],
      [4, ''],
      [5, ''],
    ],
  );
  assert.equal(listTopSite(mapSuspect(join(dir, 'gone.js')), new SourceFiles()), null);
  assert.equal(listTopSite(mapSuspect(file, { growthSites: [] }), new SourceFiles()), null);
});
