// The capture path: a heap snapshot streamed over the inspector (HeapProfiler.takeHeapSnapshot,
// chunks written by Leakscope) against the program writing its own file (v8.writeHeapSnapshot
// through Runtime.evaluate), with Leakscope's own HeapSnapshotter forced to each method.
//   node bench/capture.mjs [--runs N] [--sizes 100,300] [--nodes 20,22,24,26] [--captures 2]
// Per Node version, heap size and method: N fresh programs (bench/fixtures/heap-of.js <MB>
// under --inspect=127.0.0.1:0), each captured `--captures` times in a row (the first builds
// V8's object-id table; later ones, as in a series, reuse it). Medians over the programs.
// Writes out/capture.md (the table) and out/capture.json (every reading).
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { BENCH, OUT, ROOT, option } from './script.mjs';

const RUNS = Number(option('--runs', 3));
const SIZES = option('--sizes', '100,300').split(',').map(Number);
const NODES = option('--nodes', '20,22,24,26').split(',').map(Number);
const CAPTURES = Number(option('--captures', 2));
const METHODS = ['stream', 'write'];
const log = (...a) => console.error('[capture]', ...a);

mkdirSync(OUT, { recursive: true });
const { buildSync } = createRequire(join(ROOT, 'package.json'))('esbuild');
buildSync({
  entryPoints: [join(BENCH, 'engines', 'capture-entry.ts')],
  outfile: join(OUT, 'capture.cjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
});
const { launchInspected, InspectorSession, HeapSnapshotter } = createRequire(import.meta.url)(join(OUT, 'capture.cjs'));

// The running Node and those scripts/node-setup.sh installs (22, 24, 26).
const binaries = new Map([[Number(process.versions.node.split('.')[0]), process.execPath]]);
for (const line of execFileSync(join(ROOT, 'scripts/node-setup.sh'), { encoding: 'utf8' }).trim().split('\n')) {
  const [major, path] = line.split(' ');
  if (!binaries.has(Number(major))) binaries.set(Number(major), path);
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const status = (pid, field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
/** utime + stime of a process, in seconds. */
const cpuOf = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks; 100 a second on Linux
};

async function program(node, mb) {
  const target = await launchInspected(join(BENCH, 'fixtures', 'heap-of.js'), { node, nodeArgs: ['--expose-gc'], args: [String(mb)], stdout: 'pipe' });
  const line = await new Promise((resolve, reject) => {
    createInterface({ input: target.child.stdout }).once('line', resolve);
    target.exited.then((s) => reject(new Error(`heap-of.js exited: ${JSON.stringify(s)}`)));
  });
  return { target, pid: target.child.pid, heapUsed: Number(line.split(' ')[1]) };
}

/** One capture: wall time from request to renamed file, the program's peak RSS meanwhile, CPU on both sides. */
async function measure(snapshotter, pid, file) {
  // Reset the program's high-water mark (VmHWM) to its current RSS; sample VmRSS as well, in case.
  let hwmReset = true;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    hwmReset = false;
  }
  const rssBefore = status(pid, 'VmRSS');
  let sampled = rssBefore;
  const sampler = setInterval(() => {
    try {
      sampled = Math.max(sampled, status(pid, 'VmRSS'));
    } catch {
      /* exited */
    }
  }, 25);
  const cpu0 = cpuOf(pid);
  const ours0 = process.cpuUsage();
  const started = performance.now();
  let firstByteMs = null;
  await snapshotter.capture(file, { signal: AbortSignal.timeout(20 * 60_000), onChunk: () => (firstByteMs ??= performance.now() - started) });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const ours = process.cpuUsage(ours0);
  const peak = Math.max(sampled, hwmReset ? status(pid, 'VmHWM') : 0);
  const bytes = statSync(file).size;
  rmSync(file);
  return {
    seconds,
    firstByteSeconds: firstByteMs / 1000,
    bytes,
    rssBefore,
    peakRss: peak,
    programCpu: cpuOf(pid) - cpu0,
    leakscopeCpu: (ours.user + ours.system) / 1e6,
    method: snapshotter.lastMethod,
  };
}

const results = [];
for (const major of NODES) {
  const node = binaries.get(major);
  if (!node) {
    log(`no Node ${major}; skipped`);
    continue;
  }
  for (const mb of SIZES) {
    for (let run = 1; run <= RUNS; run++) {
      // Alternate which method goes first, so that drift on a shared machine hits both alike.
      const order = run % 2 ? METHODS : [...METHODS].reverse();
      for (const method of order) {
        const p = await program(node, mb);
        const session = await InspectorSession.connect(p.target.inspectorUrl);
        try {
          const snapshotter = new HeapSnapshotter(session, { method });
          for (let k = 1; k <= CAPTURES; k++) {
            const reading = await measure(snapshotter, p.pid, join(OUT, `capture-${major}-${mb}-${method}.heapsnapshot`));
            if (reading.method !== method) throw new Error(`asked for ${method}, got ${reading.method}`);
            results.push({ node: major, version: execFileSync(node, ['--version'], { encoding: 'utf8' }).trim(), mb, heapUsed: p.heapUsed, method, run, capture: k, ...reading });
            log(`Node ${major}, ${mb} MB, ${method}, run ${run}, capture ${k}: ${reading.seconds.toFixed(1)} s, peak RSS ${(reading.peakRss / 2 ** 20).toFixed(0)} MB`);
          }
        } finally {
          await session.close();
          await p.target.stop();
        }
      }
    }
  }
}

const MB = (bytes) => (bytes / 2 ** 20).toFixed(0);
const s1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const rows = [];
for (const major of NODES) {
  for (const mb of SIZES) {
    const of = (method, capture) => results.filter((r) => r.node === major && r.mb === mb && r.method === method && (capture === undefined || r.capture === capture));
    if (!of('stream').length) continue;
    const stream1 = median(of('stream', 1).map((r) => r.seconds));
    for (const method of METHODS) {
      const all = of(method);
      const first = of(method, 1);
      const later = all.filter((r) => r.capture > 1);
      const wall1 = median(first.map((r) => r.seconds));
      const vs = method === 'stream' ? '' : `${((wall1 / stream1) * 100).toFixed(0)} %`;
      rows.push(
        `| ${major} | ${MB(median(all.map((r) => r.heapUsed)))} MB | ${method === 'stream' ? 'CDP stream' : 'writeHeapSnapshot'} | ${MB(median(all.map((r) => r.bytes)))} MB | ` +
          `${s1(wall1)} s | ${vs} | ${s1(median(later.map((r) => r.seconds)))} s | ${s1(median(all.map((r) => r.firstByteSeconds)))} s | ` +
          `${MB(median(all.map((r) => r.rssBefore)))} → ${MB(median(all.map((r) => r.peakRss)))} MB | ${s1(median(all.map((r) => r.programCpu)))} s | ${s1(median(all.map((r) => r.leakscopeCpu)))} s |`,
      );
    }
  }
}
const header =
  `${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${MB(totalmem())} MB; Leakscope on Node ${process.version}. ` +
  `Medians of ${RUNS} fresh programs per row, each captured ${CAPTURES}× in a row. Wall: from the request to the renamed file (GC first, as every capture does). ` +
  `First byte: when the first bytes reached Leakscope (the heap walk is done). Program RSS: before → peak during a capture (VmHWM after a reset, and VmRSS sampled every 25 ms). CPU: user + system during a capture.`;
const text = [
  header,
  '',
  '| Node | heap | path | snapshot | wall, 1st capture | vs stream | wall, later | first byte | program RSS → peak | program CPU | Leakscope CPU |',
  '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows,
].join('\n');
console.log(`\n## Capture path\n\n${text}\n`);
writeFileSync(join(OUT, 'capture.md'), text + '\n');
writeFileSync(join(OUT, 'capture.json'), JSON.stringify(results, null, 1));
