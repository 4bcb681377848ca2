// The cost of being watched: an allocation-heavy program's throughput with and without
// Leakscope attached (memory polling with periodic GCs, the sampling heap profiler, the
// async-resource tracker; snapshots excluded, they pause the program by design).
//   node bench/overhead.mjs [--cycles N] [--phase SECONDS]
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync, writeFileSync } from 'node:fs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const OUT = join(BENCH, 'out');
const argv = process.argv.slice(2);
const option = (name, fallback) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const CYCLES = option('--cycles', 5);
const PHASE_S = option('--phase', 5);
const log = (...a) => console.error('[overhead]', ...a);

mkdirSync(OUT, { recursive: true });
const { buildSync } = createRequire(join(ROOT, 'package.json'))('esbuild');
buildSync({
  entryPoints: [join(BENCH, 'engines', 'overhead-entry.ts')],
  outfile: join(OUT, 'overhead.cjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
});
const { launchInspected, InspectorSession, MemorySampler, AllocationSampler, installTracker, uninstallTracker } = createRequire(import.meta.url)(
  join(OUT, 'overhead.cjs'),
);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// The inspector is on in both phases: only being watched differs.
const target = await launchInspected(join(BENCH, 'fixtures', 'alloc-heavy.js'), { stdout: 'pipe' });
const readings = { idle: [], watched: [], 'watched + GC': [] };
let phase = null;
let skip = 0;
createInterface({ input: target.child.stdout }).on('line', (line) => {
  const built = Number(line.split(' ')[1]);
  // The first second of a phase straddles the switch: leave it out.
  if (phase && skip-- <= 0) readings[phase].push(built);
});
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));

try {
  await sleep(2);
  for (let cycle = 1; cycle <= CYCLES; cycle++) {
    log(`cycle ${cycle}/${CYCLES}: idle`);
    phase = 'idle';
    skip = 1;
    await sleep(PHASE_S);
    for (const mode of ['watched', 'watched + GC']) {
      log(`cycle ${cycle}/${CYCLES}: ${mode}`);
      const session = await InspectorSession.connect(target.inspectorUrl);
      // `attach` also forces a full GC now and then for post-GC readings: measured apart,
      // because it changes how the program's own GCs go.
      const memory = new MemorySampler(session, { intervalMs: 500, gcEveryMs: mode === 'watched' ? 0 : 1000 });
      const allocations = new AllocationSampler(session);
      await installTracker(session);
      await allocations.start('alloc');
      memory.start();
      phase = mode;
      skip = 1;
      await sleep(PHASE_S);
      phase = null;
      memory.stop();
      await allocations.stop();
      await uninstallTracker(session);
      await session.send('HeapProfiler.disable');
      await session.close();
    }
  }
} finally {
  await target.stop();
}

const idle = median(readings.idle);
const row = (mode, what) => {
  const rate = median(readings[mode]);
  return `| ${what} | ${(rate / 1e6).toFixed(2)} M | ${((1 - rate / idle) * 100).toFixed(1)} % |`;
};
const table = [
  `Program: bench/fixtures/alloc-heavy.js (about 2 GB/s of short-lived objects); idle ${(idle / 1e6).toFixed(2)} M objects/s.`,
  '',
  '| while | objects/s | slowdown |',
  '| --- | ---: | ---: |',
  row('watched', 'memory polling (500 ms), sampling heap profiler, async tracker'),
  row('watched + GC', 'the same plus a full GC every second, as `attach` does'),
].join('\n');
console.log(`\n## Cost of being watched (medians of one-second readings: ${Object.values(readings).map((r) => r.length).join(' / ')})\n\n${table}\n`);
writeFileSync(join(OUT, 'overhead.md'), table + '\n');
