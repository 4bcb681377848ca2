// A soak: `leakscope watch` over a long-running program whose memory stays flat, with readings
// far more often than the default (10 ms instead of 500 ms), so that minutes stand for hours of
// readings. The host (the CLI) must keep its memory flat: readings go to a bounded structure.
//   node bench/soak.mjs [--minutes N] [--interval MS]
// Writes out/soak.md (the table) and out/soak.json (every RSS reading of the CLI).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { OUT, ROOT, option } from './script.mjs';

const MINUTES = Number(option('--minutes', 5));
const INTERVAL_MS = Number(option('--interval', 10));
/** The CLI's default reading interval: what the readings stand for. */
const DEFAULT_INTERVAL_MS = 500;
const log = (...a) => console.error('[soak]', ...a);

mkdirSync(OUT, { recursive: true });
const report = join(OUT, 'soak-report.json');
const cli = spawn(
  process.execPath,
  [join(ROOT, 'dist/cli.js'), 'watch', join(ROOT, 'examples/bounded-cache.js'), '--for', `${MINUTES}m`, '--interval', String(INTERVAL_MS), '--when', 'over=30s,every=30s', '--json', report],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);
const exited = new Promise((resolve) => cli.on('exit', resolve));

/** The CLI's resident memory now, in bytes (Linux). */
function rssOf(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line)[1]) * 1024;
}

const started = Date.now();
const readings = [];
let done = false;
void exited.then(() => (done = true));
while (!done) {
  try {
    readings.push({ s: (Date.now() - started) / 1000, rss: rssOf(cli.pid) });
  } catch {
    // The CLI ended between two readings.
    break;
  }
  await Promise.race([sleep(1000), exited]);
}
const code = await exited;
if (code !== 0) throw new Error(`leakscope watch exited with ${code}`);
const run = JSON.parse(readFileSync(report, 'utf8'));

const MB = 1024 * 1024;
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const minuteRss = (from, to) => median(readings.filter((r) => r.s >= from && r.s < to).map((r) => r.rss));
const taken = Math.round((run.run.durationMs / INTERVAL_MS));
const rows = [];
for (let m = 0; m < MINUTES; m++) {
  const rss = minuteRss(m * 60, (m + 1) * 60);
  const readingsSoFar = Math.round(((m + 1) * 60_000) / INTERVAL_MS);
  rows.push(`| ${m + 1} | ${readingsSoFar.toLocaleString('en-US')} | ${((readingsSoFar * DEFAULT_INTERVAL_MS) / 3_600_000).toFixed(1)} h | ${(rss / MB).toFixed(0)} MB |`);
}
const first = minuteRss(0, 60);
const last = minuteRss((MINUTES - 1) * 60, MINUTES * 60);
const md = `# Soak: a watch over hours of readings

${new Date().toISOString().slice(0, 10)} · ${cpus()[0]?.model.trim()} × ${cpus().length} · ${(totalmem() / 1024 ** 3).toFixed(1)} GB · Node ${process.version}.
\`leakscope watch examples/bounded-cache.js --interval ${INTERVAL_MS}\` for ${MINUTES} min: about ${taken.toLocaleString('en-US')} readings
(each a round trip to the program, a full GC every 3 s), which at the default ${DEFAULT_INTERVAL_MS} ms stand for
${((taken * DEFAULT_INTERVAL_MS) / 3_600_000).toFixed(1)} h. The program's memory stays flat: no snapshot (${run.snapshots.length} taken). The report keeps
${run.samples.length.toLocaleString('en-US')} readings. The CLI's RSS, median of each minute:

| minute | readings so far | at 500 ms | CLI RSS |
| ---: | ---: | ---: | ---: |
${rows.join('\n')}

First minute ${(first / MB).toFixed(0)} MB, last minute ${(last / MB).toFixed(0)} MB (${(((last - first) / first) * 100).toFixed(1)} %).
`;
writeFileSync(join(OUT, 'soak.md'), md);
writeFileSync(join(OUT, 'soak.json'), JSON.stringify({ minutes: MINUTES, intervalMs: INTERVAL_MS, readingsTaken: taken, readingsKept: run.samples.length, snapshots: run.snapshots.length, rss: readings }, null, 2));
log(`wrote ${join(OUT, 'soak.md')}`);
process.stdout.write(md);
