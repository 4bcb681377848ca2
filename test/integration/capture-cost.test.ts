// Our own cost is not the program's: writing a heap snapshot makes the program's rss jump, and
// `leakscope run` must not report that as the program's native memory growing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport } from '../../src/analysis/report.ts';
import { CLI, example, program, scratch } from '../helpers/paths.ts';

function run(script: string, args: string[], seconds: number): RunReport {
  const dir = scratch('capture-cost');
  const json = join(dir, 'report.json');
  const result = spawnSync(process.execPath, [CLI, 'run', script, '--duration', String(seconds), '--out', join(dir, 'snaps'), '--json', json, '--', ...args], {
    encoding: 'utf8',
    timeout: 240_000,
  });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(readFileSync(json, 'utf8')) as RunReport;
}

const MB = 1024 * 1024;
const perMin = (t: RunReport['memory']['rss']) => (t.slopeBytesPerSec === null ? 'no trend' : `${((t.slopeBytesPerSec * 60) / MB).toFixed(1)} MB/min`);

test('a big flat heap snapshotted three times: its rss steps are the captures\', not growth', () => {
  // 200 MB: each capture took 15-20 s and raised rss from 260 MB to 1.6 GB, which was reported
  // as "rss climbs (+106 MB/min)" before readings around captures were marked.
  const report = run(program('flat-big-heap.js'), ['200'], 20);
  const marked = report.samples.filter((s) => s.capture);
  assert.ok(marked.length >= 3, `${marked.length} readings marked as a capture's`);
  const rss = report.samples.map((s) => s.rss / MB);
  const summary = `rss ${rss[0].toFixed(0)} → ${rss.at(-1)!.toFixed(0)} MB, trend ${perMin(report.memory.rss)}`;
  assert.equal(report.memory.rss.grows, false, summary);
  assert.equal(report.memory.heap.grows, false, summary);
  assert.equal(report.memory.external.grows, false, summary);
  assert.ok(!report.notes.some((n) => /rss climbs|outside the JS heap climbs/.test(n)), report.notes.join('\n'));
});

test('Buffers kept outside the heap still read as native memory growing, captures and all', () => {
  // After each capture the Buffers first fill the pages it freed, and rss stands still for some
  // seconds (30 MB at 6.4 MB/s): 30 s leaves stretches long enough for rss to climb in them.
  const report = run(example('buffers.js'), [], 30);
  assert.ok(report.samples.some((s) => s.capture));
  assert.ok(report.memory.external.grows, `external ${perMin(report.memory.external)}`);
  assert.ok(report.memory.rss.grows, `rss ${perMin(report.memory.rss)}`);
  // 20 Buffers of 16 KB every 50 ms: 6.4 MB/s, less on a loaded machine that runs the timer late.
  assert.ok((report.memory.external.slopeBytesPerSec ?? 0) > 2 * MB, `external ${perMin(report.memory.external)}`);
});
