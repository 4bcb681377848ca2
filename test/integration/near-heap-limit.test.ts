// A program that runs out of heap under `leakscope run`: V8's last snapshot, written near the
// heap limit just before the crash, is analysed with the snapshots taken before it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport } from '../../src/analysis/report.ts';
import { CLI, program, scratch } from '../helpers/paths.ts';

/** A `--node` that runs the program under a small heap limit. */
function smallHeapNode(dir: string, megabytes: number): string {
  const launcher = join(dir, 'node-small-heap.sh');
  writeFileSync(launcher, `#!/bin/sh\nexec '${process.execPath}' --max-old-space-size=${megabytes} "$@"\n`);
  chmodSync(launcher, 0o755);
  return launcher;
}

test('a program whose heap nears its limit: the snapshot V8 wrote then joins the series in its place, and the Map that filled the heap is the suspect', () => {
  const dir = scratch('near-limit');
  const out = join(dir, 'snaps');
  const json = join(dir, 'report.json');
  const run = spawnSync(process.execPath, [CLI, 'run', program('runs-out-of-heap.js'), '--node', smallHeapNode(dir, 96), '--duration', '30', '--snapshots', '3', '--out', out, '--json', json], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /runs-out-of-heap\.js neared its heap limit: V8 wrote a snapshot then, analysed with the others/);
  const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
  // Node raised the limit for the snapshot: the crash comes later, or (Node 24 and later raise
  // it further) not within the run.
  if (report.run.exitedEarly) assert.match(report.run.exitedEarly, /SIGABRT|exit code 134/, run.stderr);
  const files = report.snapshots.map((s) => s.file);
  const near = files.findIndex((f) => f.endsWith('/near-heap-limit.heapsnapshot'));
  assert.ok(near >= 0 && files.length >= 2, `snapshots: ${files.join(', ')}`);
  assert.equal(report.run.timings[near]?.captureMs, null, 'V8 wrote it: no capture of ours');
  const times = report.run.snapshotTimesMs;
  assert.deepEqual([...times].sort((a, b) => a - b), times, 'in time order');
  assert.equal(statSync(files[near]).mode & 0o777, 0o600);
  // V8's own name is gone: every snapshot in the folder is one of the report's.
  assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.heapsnapshot')).sort(), files.map((f) => f.slice(out.length + 1)).sort());
  assert.ok(report.notes.some((n) => n.startsWith('the program neared its heap limit: near-heap-limit.heapsnapshot is the snapshot V8 wrote then')), report.notes.join('\n'));
  const [suspect] = report.suspects;
  assert.ok(suspect, `verdict ${report.verdict}: ${report.verdictReason}`);
  assert.equal(suspect.className, 'Map');
  assert.equal(suspect.heldBy, 'sessions');
  assert.ok(suspect.series.every((point) => point !== null), 'the Map is in every snapshot, V8\'s too');
});
