import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MemorySample, RunReport } from '../../src/analysis/report.ts';
import { formatHtmlReport } from '../../src/cli/html-report.ts';
import { scratch } from '../helpers/paths.ts';

const IMG = '<img src=x onerror=alert(1)>';
const SCRIPT = '"><script>alert(1)</script>';
const IMG_ESCAPED = '&lt;img src=x onerror=alert(1)&gt;';
const SCRIPT_ESCAPED = '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;';
// A statement of the program's that tries to close the <code> it is shown in (no brackets, so it shows whole).
const CODE = '"</code><img src=x onerror=alert>";';
const CODE_ESCAPED = '&quot;&lt;/code&gt;&lt;img src=x onerror=alert&gt;&quot;';
const MB = 1024 * 1024;

// The program the suspect points at; its source line is shown, and is hostile too.
const dir = scratch('html');
const script = join(dir, 'map-cache.js');
writeFileSync(
  script,
  ["'use strict';", '', `// ${IMG}`, '', 'const sessions = new Map();', 'function handleRequest(id) {', '  sessions.set(id, {});', '}'].join('\n'),
);

/** 20 readings, one every 500 ms, climbing; every fourth one right after a GC. */
function samples(count = 20): MemorySample[] {
  return Array.from({ length: count }, (_, k) => ({
    timeMs: k * 500,
    heapUsed: 20 * MB + k * 400_000,
    heapTotal: 32 * MB + k * 500_000,
    rss: 60 * MB + k * 600_000,
    external: 2 * MB + k * 10_000,
    arrayBuffers: 100_000,
    afterGc: k % 4 === 3,
  }));
}

function makeReport(overrides: Partial<RunReport> = {}): RunReport {
  const snapshot = (k: number, totalBytes: number) => ({
    file: join(dir, `${k}.heapsnapshot`),
    fileBytes: 8 * MB + k * MB,
    nodeCount: 90_000 + k * 10_000,
    edgeCount: 300_000,
    totalBytes,
    newObjects: k === 1 ? null : 10_000,
    newBytes: k === 1 ? null : MB,
    newStillAlive: k === 1 ? null : 9_800,
    nativeBytes: 0,
    allocationTimeline: null,
  });
  return {
    version: 1,
    verdict: 'leak',
    verdictReason: 'sessions (a Map) grew in every snapshot and the heap after GC climbs',
    snapshots: [snapshot(1, 22 * MB), snapshot(2, 25 * MB), snapshot(3, 28 * MB)],
    top: [
      { name: 'Map', count: 3, shallowBytes: 4 * MB, retainedBytes: 12 * MB },
      { name: `Session${IMG}`, count: 30_000, shallowBytes: 2 * MB, retainedBytes: 8 * MB },
    ],
    largest: [
      {
        nodeId: 4242,
        className: 'Map',
        label: 'Map (30,000 entries)',
        shallowBytes: 4 * MB,
        retainedBytes: 12 * MB,
        location: { file: script, line: 5, column: 7, url: `file://${script}` },
        allocatedIn: null,
        retainerPath: ['(module map-cache.js) sessions', 'Map'],
        retainerLocations: [null, null],
      },
    ],
    classDeltas: [{ name: 'Session', countDelta: 20_000, shallowDelta: MB, retainedDelta: 5 * MB }],
    suspects: [
      {
        kind: 'collection',
        title: `Map sessions ${SCRIPT}`,
        nodeId: 4242,
        className: 'Map',
        retainedBytes: 12 * MB,
        growthBytes: 6 * MB,
        count: 30_000,
        countGrowth: 20_000,
        externalBytes: null,
        series: [null, { retainedBytes: 6 * MB, count: 10_000 }, { retainedBytes: 12 * MB, count: 30_000 }],
        heldBy: 'sessions',
        location: { file: script, line: 5, column: 7, url: `file://${script}` },
        allocatedIn: null,
        retainerPath: ['(module map-cache.js) sessions', `Map${IMG}`],
        retainerLocations: [{ file: script, line: 5, column: 7, url: `file://${script}` }, null],
        hint: 'Delete entries when a session ends, or bound the cache.',
        growthSites: [
          {
            file: script,
            line: 7,
            column: 3,
            url: `file://${script}`,
            functionName: `handleRequest${SCRIPT}`,
            code: CODE,
            exact: true,
            bytes: 5 * MB,
            count: 20_000,
            stack: [{ file: script, line: 6, column: 22, url: `file://${script}`, functionName: `handleRequest${SCRIPT}`, own: true }],
            evidence: 'allocation-stack',
            functionLines: { start: 6, end: 8 },
          },
          {
            file: script,
            line: 5,
            column: 7,
            url: `file://${script}`,
            functionName: '',
            code: 'const sessions = new Map();',
            exact: true,
            bytes: null,
            count: null,
            stack: [],
            evidence: 'static',
            functionLines: null,
          },
        ],
        growthSitesNote: `one site is static ${IMG}`,
        inside: { heldBy: `Counter .hashMap${IMG}`, location: { file: join(dir, 'node_modules/prom-client/lib/counter.js'), line: 40, column: 5, url: '' } },
      },
    ],
    groups: [],
    run: { script, args: ['--port', SCRIPT], durationMs: 10_000, snapshotTimesMs: [3_000, 6_000, 9_500], timings: [], exitedEarly: null },
    samples: samples(),
    allocationSites: [],
    asyncResources: { active: {}, groups: [] },
    memory: {
      heap: { slopeBytesPerSec: 800_000, levelBytes: 27 * MB, grows: true },
      external: { slopeBytesPerSec: 0, levelBytes: 2 * MB, grows: false },
      rss: { slopeBytesPerSec: 1_200_000, levelBytes: 70 * MB, grows: true },
    },
    notes: [`native memory climbs ${IMG}`, 'details at https://example.com/leaks'],
    ...overrides,
  };
}

/** The memory chart alone: the suspects' sparklines are SVG too. */
function chartOf(html: string): string {
  const match = /<svg class="chart"[\s\S]*?<\/svg>/.exec(html);
  assert.ok(match, 'a memory chart');
  return match[0];
}

function countOf(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

test('the verdict, the suspect, where it was made and what holds it are all there', () => {
  const html = formatHtmlReport(makeReport(), dir);
  assert.match(html, /<title>Leakscope — map-cache\.js<\/title>/);
  assert.match(html, /class="badge v-leak">LEAK</);
  assert.ok(html.includes('sessions (a Map) grew in every snapshot'));
  assert.ok(html.includes('Map sessions '), 'suspect title');
  assert.ok(html.includes('map-cache.js:5:7'), 'suspect location');
  assert.ok(html.includes(`(module map-cache.js) sessions → Map${IMG_ESCAPED}`), 'retainer path');
  assert.ok(html.includes('+6.0 MB (+20,000 entries)'), 'growth');
  assert.ok(html.includes('const sessions = new Map();'), 'the source line');
  assert.ok(html.includes('Delete entries when a session ends'), 'hint');
});

test('where it grows: the sites, the note, the dependency it is made inside, and the function listed with bytes per line', () => {
  const html = formatHtmlReport(makeReport(), dir);
  assert.ok(html.includes('<dt>Grows at</dt>'));
  assert.ok(html.includes(`<li><code>map-cache.js:7:3</code> ${CODE_ESCAPED} in handleRequest${SCRIPT_ESCAPED}() — +5.0 MB (+20,000 entries)</li>`), 'the allocation-stack site');
  assert.ok(html.includes('<li><code>map-cache.js:5:7</code> const sessions = new Map() at top level (static: writes into sessions)</li>'), 'the static site');
  assert.ok(html.includes(`<dt>Note</dt><dd>one site is static ${IMG_ESCAPED}</dd>`));
  assert.ok(html.includes(`<dt>Inside</dt><dd>prom-client&#39;s Counter .hashMap${IMG_ESCAPED} at <code>node_modules/prom-client/lib/counter.js:40:5</code></dd>`));
  assert.ok(html.includes(`<figcaption>handleRequest${SCRIPT_ESCAPED}() in map-cache.js — bytes added per line in the last interval, still alive</figcaption>`), 'the listing names its function');
  assert.ok(html.includes('<mark><span class="margin"> 5.0 MB</span>    7    sessions.set(id, {});</mark>'), 'bytes in the margin of the site line');
});

test('strings from the heap and the program are escaped wherever they appear', () => {
  const html = formatHtmlReport(makeReport(), dir);
  assert.ok(!html.includes('<img'), 'no raw <img');
  assert.ok(!/<script/i.test(html), 'no raw <script');
  // Class name, retainer-path token, notes, source line, the dependency's holder (IMG); suspect title,
  // script args, a growth site's function in its line and in the listing's caption (SCRIPT).
  assert.ok(countOf(html, IMG_ESCAPED) >= 6, `escaped <img> ${countOf(html, IMG_ESCAPED)} times`);
  assert.ok(countOf(html, SCRIPT_ESCAPED) >= 4, `escaped <script> ${countOf(html, SCRIPT_ESCAPED)} times`);
  assert.ok(html.includes(CODE_ESCAPED), "a growth site's statement");
  assert.ok(!html.includes('</code><img'), 'the statement does not close its <code>');
  assert.ok(html.includes(`Session${IMG_ESCAPED}`), 'class name');
  assert.ok(html.includes(`native memory climbs ${IMG_ESCAPED}`), 'note');
});

test('the page is self-contained: a strict CSP, no script, no web address', () => {
  const html = formatHtmlReport(makeReport(), dir);
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`));
  assert.ok(!/<script/i.test(html));
  assert.ok(!/https?:\/\//i.test(html), 'no http(s):// even where a note holds one');
  assert.ok(html.includes('details at https&#58;//example.com/leaks'), 'the note still reads the same');
  assert.ok(!/\son[a-z]+\s*=/i.test(html.replace(/&lt;.*?&gt;/g, '')), 'no event-handler attribute');
});

test('the chart has a line per series, a marker per snapshot and a dot per post-GC reading', () => {
  const report = makeReport();
  const chart = chartOf(formatHtmlReport(report, dir));
  assert.match(chart, /viewBox="0 0 900 300"/);
  assert.equal(countOf(chart, '<polyline class="series'), 4);
  for (const series of ['heapUsed', 'heapTotal', 'rss', 'external']) assert.ok(chart.includes(`data-series="${series}"`), series);
  assert.equal(countOf(chart, 'class="snap"'), 3);
  for (const label of ['#1', '#2', '#3']) assert.ok(chart.includes(`>${label}</text>`), label);
  assert.equal(countOf(chart, 'class="gc-dot"'), report.samples.filter((s) => s.afterGc).length);
  assert.ok(!chart.includes('NaN'));
  assert.match(chart, />\d+ MB</, 'byte tick labels');
  assert.match(chart, />\d+ s</, 'second tick labels');
});

test('the sparkline skips snapshots where the suspect did not exist yet', () => {
  const html = formatHtmlReport(makeReport(), dir);
  const spark = /<svg class="spark"[\s\S]*?<polyline points="([^"]*)"/.exec(html);
  assert.ok(spark, 'a sparkline');
  assert.equal(spark[1].split(' ').length, 2);
});

test('no memory readings, or one, says so instead of drawing a chart', () => {
  for (const readings of [[], samples(1)]) {
    const html = formatHtmlReport(makeReport({ samples: readings }), dir);
    assert.ok(!html.includes('<svg class="chart"'));
    assert.match(html, readings.length ? /Only one memory reading/ : /No memory readings/);
  }
});

test('a run without suspects says so, and an unknown location does not break the page', () => {
  const report = makeReport({ verdict: 'no-leak', verdictReason: 'nothing grew', suspects: [], classDeltas: [] });
  report.largest[0].location = null;
  const html = formatHtmlReport(report, dir);
  assert.match(html, /class="badge v-no-leak">NO LEAK</);
  assert.ok(html.includes('No growth suspects'));
});
