// From the end of each capture to the suspects brought up to date with it (`run.timings` of
// the JSON report), for programs holding a heap of a given size: what `leakscope run` and
// `attach` cost once V8 has written a snapshot. Needs `npm run build` first.
//   node bench/time-to-suspects.mjs [MB ...]        (default: 300)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(import.meta.dirname, 'out', 'time-to-suspects');
const sizes = process.argv.slice(2).map(Number);
const MB = 1024 * 1024;

const rows = [];
for (const heapMB of sizes.length ? sizes : [300]) {
  const dir = join(OUT, String(heapMB));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'report.json');
  // A quarter of the run is warm-up: long enough for the program to build its heap; three
  // captures of a few hundred MB of heap take V8 tens of seconds each.
  const duration = String(Math.max(60, Math.round(heapMB * 0.4)));
  console.error(`[time-to-suspects] ${heapMB} MB of heap, ${duration} s run`);
  const run = spawnSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'run', join(import.meta.dirname, 'fixtures/heap-of.js'), '--duration', duration, '--snapshots', '3', '--out', join(dir, 'snapshots'), '--json', json, '--', String(heapMB)], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0) throw new Error(`leakscope run exited with ${run.status}`);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  report.run.timings.forEach((t, k) => {
    const file = report.snapshots[k].file;
    rows.push(`| ${heapMB} MB | ${k + 1} | ${(statSync(file).size / MB).toFixed(0)} MB | ${(report.snapshots[k].nodeCount / 1e6).toFixed(2)} M | ${(t.captureMs / 1000).toFixed(1)} s | ${(t.toSuspectsMs / 1000).toFixed(2)} s |`);
  });
}
console.log(['| heap | snapshot | file | nodes | capture | end of capture → suspects |', '| --- | ---: | ---: | ---: | ---: | ---: |', ...rows].join('\n'));
