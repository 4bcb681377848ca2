// The cost of being watched: a program's throughput, and its RSS, with and without Leakscope
// watching it — memory polling with periodic GCs, the sampling heap profiler, the
// async-resource tracker, allocation tracking — and what allocation tracking adds to a
// snapshot. Snapshots are not in the throughput: they pause the program by design.
//   node bench/overhead.mjs [--cycles N] [--phase SECONDS] [--workload alloc-heavy|request-loop]
// Writes out/overhead.md (the tables) and out/overhead.json (every reading).
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { BENCH, OUT, ROOT, option } from './script.mjs';

const CYCLES = Number(option('--cycles', 5));
const PHASE_S = Number(option('--phase', 5));
const ONLY = option('--workload', null);
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
const { launchInspected, InspectorSession, LiveTarget, uninstallTracker } = createRequire(import.meta.url)(join(OUT, 'overhead.cjs'));

const WORKLOADS = [
  { name: 'alloc-heavy', unit: 'objects/s', about: 'about 45 M short-lived objects a second, nothing kept' },
  { name: 'request-loop', unit: 'requests/s', about: 'a request-like loop: JSON in, a response object with strings out, one in ten kept in a 50,000-entry cache' },
].filter((w) => !ONLY || w.name === ONLY);

// Three processes of the same workload: `plain`; `inspector`, where allocation tracking is
// turned on through the inspector once, as `attach --track-allocations` does; `launch`,
// started with --track-heap-objects as `run --track-allocations` starts it. Tracking stays on
// in the last two for the whole bench, so their RSS is that of a program tracked all along.
// One runs at a time (the others are stopped with SIGSTOP): they take turns, phase by phase.
const MODES = [
  { key: 'idle', program: 'plain', label: 'not watched' },
  { key: 'watched', program: 'plain', watch: { gc: false }, label: 'memory polling (500 ms), sampling heap profiler, async tracker' },
  { key: 'watched-gc', program: 'plain', watch: { gc: true }, snapshot: true, label: 'the same plus a full GC every second, as `attach` and `run` do' },
  { key: 'inspector', program: 'inspector', label: 'allocation tracking through the inspector, nothing else' },
  { key: 'inspector-watched', program: 'inspector', watch: { gc: true }, snapshot: true, label: 'the same, watched as `attach --track-allocations` watches' },
  { key: 'launch', program: 'launch', label: 'allocation tracking since launch (`--track-heap-objects`), nothing else' },
  { key: 'launch-watched', program: 'launch', watch: { gc: true }, snapshot: true, label: 'the same, watched as `run --track-allocations` watches' },
];

const median = (xs) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));
const rssOf = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

/** A workload's process: its per-second counts and RSS go to whichever phase is current. */
async function start(workload, nodeArgs) {
  const target = await launchInspected(join(BENCH, 'fixtures', `${workload.name}.js`), { stdout: 'pipe', nodeArgs });
  const program = { target, pid: target.child.pid, phase: null, skip: 0, counts: [], rss: [] };
  const lines = createInterface({ input: target.child.stdout });
  // Ready once it counts: start-up (filling a cache) is done.
  program.ready = new Promise((resolve) => lines.once('line', resolve));
  lines.on('line', (line) => {
    // The first second of a phase straddles the switch: leave it out.
    if (!program.phase || program.skip-- > 0) return;
    program.counts.push(Number(line.split(' ')[1]));
    program.rss.push(rssOf(program.pid));
  });
  return program;
}

/** Runs one phase of `mode` on `program` and returns its readings. */
async function phase(workload, program, mode, session, cycle) {
  let live = null;
  let own = null;
  if (mode.watch) {
    own = session ? null : await InspectorSession.connect(program.target.inspectorUrl);
    live = new LiveTarget(session ?? own, {
      pollIntervalMs: 500,
      gcEveryMs: mode.watch.gc ? 1000 : 0,
      samplingIntervalBytes: 0,
      allocationMode: () => 'alloc',
      asyncTracking: true,
      // Already on in the tracked programs: told so, the watch leaves it alone.
      trackAllocations: program.tracking ? 'since-launch' : false,
    });
    await live.start();
  }
  program.counts = [];
  program.rss = [];
  program.skip = 1;
  program.phase = mode.key;
  await sleep(PHASE_S);
  program.phase = null;
  const result = { counts: program.counts, rss: program.rss, snapshot: null };
  if (live && mode.snapshot) {
    const file = join(OUT, `overhead-${workload.name}-${mode.key}-${cycle}.heapsnapshot`);
    const started = performance.now();
    await live.capture(file);
    result.snapshot = { seconds: (performance.now() - started) / 1000, bytes: statSync(file).size };
    rmSync(file);
  }
  if (own) await live.dispose(true);
  else if (live) {
    await live.stop();
    await uninstallTracker(session).catch(() => {});
  }
  return result;
}

async function measure(workload) {
  const programs = {
    plain: await start(workload, []),
    inspector: await start(workload, []),
    launch: await start(workload, ['--track-heap-objects']),
  };
  // The tracked programs keep one session each: closing a session that enabled the
  // HeapProfiler stops allocation tracking, even the one started at launch.
  const sessions = new Map();
  for (const name of ['inspector', 'launch']) {
    programs[name].tracking = true;
    sessions.set(programs[name], await InspectorSession.connect(programs[name].target.inspectorUrl));
  }
  const results = Object.fromEntries(MODES.map((m) => [m.key, []]));
  try {
    await Promise.all(Object.values(programs).map((p) => p.ready));
    const inspector = sessions.get(programs.inspector);
    await inspector.send('HeapProfiler.enable');
    await inspector.send('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
    for (const p of Object.values(programs)) p.target.child.kill('SIGSTOP');
    let running = null;
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      for (const mode of MODES) {
        const program = programs[mode.program];
        if (program !== running) {
          running?.target.child.kill('SIGSTOP');
          program.target.child.kill('SIGCONT');
          running = program;
        }
        log(`${workload.name} ${cycle}/${CYCLES}: ${mode.key}`);
        results[mode.key].push(await phase(workload, program, mode, sessions.get(program) ?? null, cycle));
      }
    }
  } finally {
    for (const p of Object.values(programs)) p.target.child.kill('SIGCONT');
    for (const session of sessions.values()) await session.close();
    for (const p of Object.values(programs)) await p.target.stop();
  }
  return results;
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

function table(workload, results) {
  // Each phase against the unwatched phase of the same cycle, then the median over cycles.
  const idle = results.idle.map((r) => median(r.counts));
  const rows = MODES.map((mode) => {
    const runs = results[mode.key];
    const rate = median(runs.map((r) => median(r.counts)));
    const ratio = median(runs.map((r, k) => median(r.counts) / idle[k]));
    // RSS moves with time (snapshots, tracking's records): its first and last cycle say how.
    const rss = `${mb(median(runs[0].rss))} → ${mb(median(runs.at(-1).rss))}`;
    const snaps = runs.map((r) => r.snapshot).filter(Boolean);
    const snapshot = snaps.length ? `${mb(median(snaps.map((s) => s.bytes)))}, ${median(snaps.map((s) => s.seconds)).toFixed(1)} s` : '';
    const rateText = rate >= 1e6 ? `${(rate / 1e6).toFixed(2)} M` : rate >= 1e4 ? `${(rate / 1e3).toFixed(0)} k` : `${(rate / 1e3).toFixed(1)} k`;
    const vs = mode.key === 'idle' ? '' : `${(ratio * 100).toFixed(ratio < 0.1 ? 1 : 0)} % (${(1 / ratio).toFixed(1)}× slower)`;
    return `| ${mode.label} | ${rateText} | ${vs} | ${rss} | ${snapshot} |`;
  });
  return [
    `Program: bench/fixtures/${workload.name}.js (${workload.about}).`,
    '',
    `| while | ${workload.unit} | throughput vs not watched | RSS, first → last cycle | snapshot: size, capture |`,
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

const tables = [];
const raw = {};
for (const workload of WORKLOADS) {
  const results = await measure(workload);
  raw[workload.name] = results;
  const counts = MODES.map((m) => results[m.key].reduce((n, r) => n + r.counts.length, 0));
  tables.push(`${table(workload, results)}\n\nOne-second readings per row: ${counts.join(' / ')}.`);
}
const header = `Node ${process.version}, ${cpus().length} cores; ${CYCLES} cycles of ${PHASE_S} s phases. Throughput: medians of one-second readings, each phase against the unwatched phase of its cycle, then the median over cycles. RSS: a phase's median in the first and in the last cycle (the phases with a snapshot end with one).`;
const text = [header, ...tables].join('\n\n');
console.log(`\n## Cost of being watched\n\n${text}\n`);
writeFileSync(join(OUT, 'overhead.md'), text + '\n');
writeFileSync(join(OUT, 'overhead.json'), JSON.stringify(raw));
