import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { MemorySample } from '../../src/analysis/report.ts';
import {
  byteTicks,
  formatSeconds,
  liveColumns,
  markersInRange,
  newest,
  suspectColumns,
} from '../../src/webview/memory-chart.ts';
import { ROOT } from '../helpers/paths.ts';

const sample = (timeMs: number, heapUsed: number, afterGc = false): MemorySample => ({
  timeMs,
  heapUsed,
  heapTotal: heapUsed * 2,
  rss: heapUsed * 4,
  external: 100,
  arrayBuffers: 10,
  afterGc,
});

test('live columns: seconds on x, one column per measure, GC and capture readings only in their dots columns', () => {
  const [x, heapUsed, heapTotal, rss, external, afterGc, capture] = liveColumns([sample(0, 10), sample(1500, 20, true), { ...sample(3000, 30), capture: true }]);
  assert.deepEqual(x, [0, 1.5, 3]);
  assert.deepEqual(heapUsed, [10, 20, 30]);
  assert.deepEqual(heapTotal, [20, 40, 60]);
  assert.deepEqual(rss, [40, 80, 120]);
  assert.deepEqual(external, [100, 100, 100]);
  assert.deepEqual(afterGc, [null, 20, null]);
  assert.deepEqual(capture, [null, null, 120]);
});

test('markers sit at the x of the sample taken at the same time, and only inside the shown range', () => {
  const samples = [2000, 3000, 4000].map((t) => sample(t, t));
  const [x] = liveColumns(samples);
  const markers = [
    { timeMs: 1000, label: '#1' }, // before the oldest kept sample: scrolled off
    { timeMs: 3000, label: '#2' },
    { timeMs: 4500, label: '#3' }, // after the newest sample: not drawn yet
  ];
  const shown = markersInRange(markers, x[0]!, x[x.length - 1]!);
  assert.deepEqual(shown, [{ x: x[1], label: '#2' }]);
});

test('suspect series keep their null gaps and line up with the newest snapshots', () => {
  const [x, grown, late, long] = suspectColumns(
    [10_000, 20_000, 30_000],
    [
      { title: 'Map sessions', bytes: [null, 2048, 4096] },
      { title: 'Array queue', bytes: [512] },
      { title: 'Set seen', bytes: [1, 2, 3, 4] },
    ],
  );
  assert.deepEqual(x, [10, 20, 30]);
  assert.deepEqual(grown, [null, 2048, 4096]);
  assert.deepEqual(late, [null, null, 512]);
  assert.deepEqual(long, [2, 3, 4]);
});

test('the legend at rest shows the newest value, skipping the gaps', () => {
  assert.equal(newest([null, 2048, 4096]), 4096);
  assert.equal(newest([10, null, 20, null, undefined]), 20);
  assert.equal(newest([null, null]), null);
});

test('byte ticks share the unit of their step; seconds read as m:ss past a minute', () => {
  const MB = 1024 * 1024;
  assert.deepEqual(byteTicks([0, 5 * MB, 10 * MB, 15 * MB]), ['0', '5 MB', '10 MB', '15 MB']);
  assert.deepEqual(byteTicks([0, 512 * 1024, 1024 * 1024]), ['0', '512 KB', '1024 KB']);
  assert.deepEqual(byteTicks([2 * 1024 ** 3, 3 * 1024 ** 3]), ['2 GB', '3 GB']);
  assert.deepEqual([0, 45, 59.6, 90, 3723].map(formatSeconds), ['0s', '45s', '1:00', '1:30', '1:02:03']);
});

// Suspect titles and session names come from the heap, e.g. a Map keyed by `<img src=x onerror=alert(1)>`.
// The panel passes them to the DOM only as text (textContent, uPlot's string series labels): neither
// its code nor uPlot's may contain an HTML sink that such a string could reach.
test('heap text stays text: no HTML sinks in the panel or in uPlot', () => {
  const sink = /\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser/;
  const webview = join(ROOT, 'src/webview');
  const uplot = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
  const files = [
    ...readdirSync(webview).filter((f) => f.endsWith('.ts')).map((f) => join(webview, f)),
    ...readdirSync(uplot).filter((f) => f.endsWith('.js')).map((f) => join(uplot, f)),
  ];
  assert.ok(files.some((f) => f.endsWith('panel.ts')) && files.some((f) => f.endsWith('uPlot.esm.js')));
  for (const file of files) assert.doesNotMatch(readFileSync(file, 'utf8'), sink, file);
});
