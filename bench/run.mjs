// Side-by-side benchmark: Leakscope's snapshot engine vs memlab vs @vscode/v8-heap-parser.
//   node bench/run.mjs [--runs N] [--huge] [--timeout MINUTES]
// Every measurement is a fresh `node` process (engines/<tool>.mjs), so no tool profits from
// another's warm JIT or heap, and peak RSS is that process's own. Medians of N runs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULT_PREFIX, TOP_N } from './engines/common.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const OUT = join(BENCH, 'out');
const NODE_FLAGS = ['--max-old-space-size=16384'];
const TOOLS = ['leakscope', 'memlab', 'v8-heap-parser'];
const MB = 1024 * 1024;

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const RUNS = option('--runs', 3);
const TIMEOUT_MS = option('--timeout', 30) * 60_000;
const HUGE = argv.includes('--huge');
if (!(RUNS >= 1)) throw new Error('--runs wants a number >= 1');

const log = (...a) => console.error('[bench]', ...a);
mkdirSync(OUT, { recursive: true });

// --- setup: bench deps, our engine bundle, fixtures ----------------------------------------

function installDeps() {
  if (existsSync(join(BENCH, 'node_modules'))) return;
  // --ignore-scripts: puppeteer (a memlab dependency) downloads a browser in postinstall,
  // which we neither need nor can fetch.
  const env = { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' };
  const npm = (...a) => spawnSync('npm', a, { cwd: BENCH, stdio: 'inherit', env }).status === 0;
  log('installing bench dependencies');
  if (!npm('ci', '--ignore-scripts') && !npm('install', '--ignore-scripts')) {
    throw new Error('could not install bench dependencies (npm ci / npm install in bench/)');
  }
}

function buildLeakscope() {
  // esbuild from the project's own devDependencies; the bundle runs src/ as is, no dist/ needed.
  const { buildSync } = createRequire(join(ROOT, 'package.json'))('esbuild');
  buildSync({
    entryPoints: [join(BENCH, 'engines', 'leakscope-entry.ts')],
    outfile: join(OUT, 'leakscope.cjs'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
}

/** Generated once into out/ and reused; made again when missing or older than its generator. */
function fixture(name, script, ...args) {
  const file = join(OUT, name);
  const generator = join(BENCH, 'fixtures', script);
  if (existsSync(file) && statSync(file).mtimeMs > statSync(generator).mtimeMs) return file;
  log(`generating ${relative(ROOT, file)} (${script} ${args.join(' ')})`);
  const partial = `${file}.partial`; // renamed only when complete, so a killed run leaves no bad cache
  rmSync(partial, { force: true });
  const started = Date.now();
  const r = spawnSync(process.execPath, [...NODE_FLAGS, generator, partial, ...args], {
    cwd: BENCH,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`${script} failed (exit ${r.status ?? r.signal})`);
  renameSync(partial, file);
  log(`  ${(statSync(file).size / MB).toFixed(0)} MB in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return file;
}

// --- one measurement: a fresh process ---------------------------------------------------------

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function measure(tool, file, ids = []) {
  const engine = join(BENCH, 'engines', `${tool}.mjs`);
  const timeFile = join(OUT, `.time-${process.pid}`);
  const nodeArgs = [...NODE_FLAGS, engine, file, ...(ids.length ? ['--ids', ids.join(',')] : [])];
  // /usr/bin/time -f %M: peak RSS (KB) of the whole child, WebAssembly memory included.
  const [cmd, args] = TIME
    ? [TIME, ['-f', '%M', '-o', timeFile, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: BENCH, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      const result = line ? JSON.parse(line.slice(RESULT_PREFIX.length)) : null;
      if (result?.error) {
        resolve(result); // the child said why it failed
        return;
      }
      if (code === 0 && result) {
        if (TIME) result.maxRssKB = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
        resolve(result);
        return;
      }
      let reason;
      if (timedOut) reason = `timed out after ${TIMEOUT_MS / 60_000} min`;
      else {
        // The most telling line of what the child printed: an Error / panic line, else the last one.
        const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^Command (exited|terminated)/.test(l));
        const telling = lines.find((l) => /Error|panicked|out of memory|Aborted|FATAL/i.test(l)) ?? lines.at(-1);
        reason = (telling ?? `exit ${code ?? signal}`).replace(/\|/g, '/').slice(0, 160);
      }
      resolve({ error: reason });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Runs every tool on one file, RUNS times each (interleaved), and summarises by median. */
async function benchFile(label, file, tools) {
  const sizeMB = statSync(file).size / MB;
  const runs = Object.fromEntries(tools.map((t) => [t, []]));
  const failed = {};
  let ids = [];
  for (let r = 1; r <= RUNS; r++) {
    for (const tool of tools) {
      if (failed[tool]) continue; // its failures are deterministic (size limits): don't repeat them
      log(`${label}: ${tool} run ${r}/${RUNS}`);
      const result = await measure(tool, file, tool === 'leakscope' ? [] : ids);
      if (result.error) {
        failed[tool] = result.error;
        log(`  failed: ${result.error}`);
        continue;
      }
      log(`  parse ${(result.parseMs / 1000).toFixed(2)} s, retained ${(result.retainedMs / 1000).toFixed(2)} s, rss ${(result.maxRssKB / 1024).toFixed(0)} MB`);
      runs[tool].push(result);
      if (tool === 'leakscope' && ids.length === 0) ids = result.top.map((t) => t.id);
    }
  }
  const summary = {};
  for (const tool of tools) {
    const rs = runs[tool];
    if (failed[tool] && rs.length === 0) {
      summary[tool] = { error: failed[tool] };
      continue;
    }
    summary[tool] = {
      runs: rs.length,
      parseS: median(rs.map((x) => x.parseMs)) / 1000,
      retainedS: median(rs.map((x) => x.retainedMs)) / 1000,
      rssMB: median(rs.map((x) => x.maxRssKB)) / 1024,
      top: rs[0].top,
      lookup: rs[0].lookup,
      ...(failed[tool] ? { error: `failed after ${rs.length} run(s): ${failed[tool]}` } : {}),
    };
  }
  const ours = runs.leakscope?.[0];
  return { label, file: relative(ROOT, file), sizeMB, nodes: ours?.nodes, edges: ours?.edges, tools: summary };
}

// --- top-20 agreement ------------------------------------------------------------------------

function agreement(ours, theirs) {
  if (!ours?.top || !theirs?.top) return null;
  const theirTop = new Map(theirs.top.map((t) => [t.id, t.retained]));
  const matched = ours.top.filter((t) => theirTop.has(t.id));
  const relDiff = (a, b) => Math.abs(a - b) / Math.max(a, 1);
  return {
    inTheirTop: matched.length,
    of: ours.top.length,
    maxRelDiff: matched.length ? Math.max(...matched.map((t) => relDiff(t.retained, theirTop.get(t.id)))) : null,
  };
}

// --- report ----------------------------------------------------------------------------------

const fmt = (x, d = 2) => (x === undefined || x === null ? '' : x.toFixed(d));
const size = (bytes) => (bytes >= MB / 10 ? `${(bytes / MB).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`);
const cell = (text) => String(text ?? '').replace(/\|/g, '\\|');
const pct = (x) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);

function table(results) {
  const rows = [
    '| File (size, nodes, edges) | Tool | Parse s | To retained sizes s | Peak RSS MB | RSS / file | Parse × leakscope | Retained × leakscope |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const base = r.tools.leakscope;
    let first = true;
    for (const [tool, s] of Object.entries(r.tools)) {
      const file = first ? `**${r.label}** (${r.sizeMB.toFixed(0)} MB, ${(r.nodes / 1e6).toFixed(2)} M nodes, ${(r.edges / 1e6).toFixed(2)} M edges)` : '';
      first = false;
      if (s.parseS === undefined) {
        rows.push(`| ${file} | ${tool} | failed: ${cell(s.error)} | | | | | |`);
        continue;
      }
      const ratio = (a, b) => (tool === 'leakscope' || !b ? '' : `${(a / b).toFixed(1)}×`);
      const note = s.error ? ` (${cell(s.error)})` : '';
      rows.push(
        `| ${file} | ${tool}${note} | ${fmt(s.parseS)} | ${fmt(s.retainedS)} | ${fmt(s.rssMB, 0)} | ${fmt(s.rssMB / r.sizeMB, 1)} | ` +
          `${ratio(s.parseS, base?.parseS)} | ${ratio(s.retainedS, base?.retainedS)} |`,
      );
    }
  }
  return rows.join('\n');
}

function topLists(r) {
  const ours = r.tools.leakscope;
  const memlab = r.tools.memlab;
  if (!ours?.top) return '';
  const lines = [];
  for (const peer of ['memlab', 'v8-heap-parser']) {
    const a = agreement(ours, r.tools[peer]);
    lines.push(
      a
        ? `- ${peer}: ${a.inTheirTop} of our top ${a.of} are in its top ${TOP_N}; max relative retained-size difference among those: ${pct(a.maxRelDiff)}`
        : `- ${peer}: no top list (${r.tools[peer]?.error ?? 'not run'})`,
    );
  }
  lines.push('', `| # | leakscope id | class | leakscope retained | memlab retained (same id) | in memlab top ${TOP_N} | memlab top id | name | memlab retained |`);
  lines.push('| ---: | ---: | --- | ---: | ---: | :---: | ---: | --- | ---: |');
  const memTop = new Set((memlab?.top ?? []).map((t) => t.id));
  for (let i = 0; i < TOP_N; i++) {
    const o = ours.top[i];
    const m = memlab?.top?.[i];
    const same = o && memlab?.lookup?.[o.id];
    lines.push(
      `| ${i + 1} | ${o?.id ?? ''} | ${cell(o?.name)} | ${o ? size(o.retained) : ''} | ${same !== undefined && same !== null ? size(same) : ''} | ` +
        `${o && memTop.has(o.id) ? '✓' : ''} | ${m?.id ?? ''} | ${cell(m?.name)} | ${m ? size(m.retained) : ''} |`,
    );
  }
  return lines.join('\n');
}

function machine() {
  return {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    totalMemoryGB: +(os.totalmem() / 1024 ** 3).toFixed(1),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    date: new Date().toISOString(),
    runs: RUNS,
  };
}

function versions() {
  const v = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  const modules = join(BENCH, 'node_modules');
  return {
    leakscope: v(ROOT),
    '@memlab/core': v(join(modules, '@memlab/core')),
    '@vscode/v8-heap-parser': v(join(modules, '@vscode/v8-heap-parser')),
    typescript: v(join(modules, 'typescript')),
  };
}

// --- main ------------------------------------------------------------------------------------

installDeps();
buildLeakscope();
const files = [
  ['generated', fixture('generated.heapsnapshot', 'generated-heap.js', '1')],
  ['typescript', fixture('typescript.heapsnapshot', 'typescript-heap.js')],
];
const results = [];
for (const [label, file] of files) results.push(await benchFile(label, file, TOOLS));
let huge = null;
if (HUGE) {
  const file = fixture('generated-huge.heapsnapshot', 'generated-heap.js', '7.5');
  huge = await benchFile('generated-huge', file, ['leakscope']);
}

const info = machine();
const md = [
  `# Snapshot engine benchmark`,
  '',
  `${info.date.slice(0, 10)} · ${info.cpu} × ${info.cores} · ${info.totalMemoryGB} GB · Node ${info.node} · ${info.os}`,
  `Versions: ${Object.entries(versions()).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
  `Medians of ${RUNS} run(s), each a fresh \`node ${NODE_FLAGS.join(' ')}\` process. "To retained sizes" includes the parse.`,
  `Peak RSS: ${TIME ? '/usr/bin/time %M' : 'process.resourceUsage().maxRSS'} of that process.`,
  '',
  table(results),
  ...(huge ? ['', '## Huge (leakscope only)', '', table([huge])] : []),
  '',
  `## Top-${TOP_N} agreement`,
  '',
  `Rule: the ${TOP_N} largest retained sizes over all nodes except those of type "synthetic" (the root, ordinal 0,`,
  `and V8's "(GC roots)", "(Strong roots)", ... groups), matched by node id. Relative difference = |theirs − ours| / ours.`,
  ...results.flatMap((r) => ['', `### ${r.label}`, '', topLists(r)]),
  '',
].join('\n');

writeFileSync(join(OUT, 'results.md'), md);
writeFileSync(
  join(OUT, 'results.json'),
  JSON.stringify({ machine: info, versions: versions(), results, huge }, null, 2) + '\n',
);
rmSync(join(OUT, `.time-${process.pid}`), { force: true });
console.log(md);
log(`wrote ${relative(ROOT, join(OUT, 'results.md'))} and results.json`);
