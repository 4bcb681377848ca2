// Side-by-side benchmark: Leakscope's snapshot engine vs memlab vs @vscode/v8-heap-parser vs
// Chrome DevTools' heap snapshot worker, plus a check of Leakscope's answers against a reference
// build of the engine from an older commit.
//   node bench/run.mjs [--runs N] [--only label,label] [--huge] [--timeout MINUTES] [--reference COMMIT] [--ours COMMIT]
// Every measurement is a fresh `node` process (engines/<tool>.mjs), so no tool profits from
// another's warm JIT or heap, and peak RSS is that process's own. Medians of N runs.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
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
const TOOLS = ['leakscope', 'leakscope-report', 'memlab', 'v8-heap-parser', 'devtools'];
const PEERS = TOOLS.filter((t) => !t.startsWith('leakscope'));
const MB = 1024 * 1024;

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const stringOption = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const RUNS = option('--runs', 3);
const TIMEOUT_MS = option('--timeout', 30) * 60_000;
const HUGE = argv.includes('--huge');
const ONLY = stringOption('--only', null)?.split(',').filter(Boolean) ?? null;
// The commit whose src/snapshot gives the answers Leakscope must keep (see checkReference).
const REFERENCE = stringOption('--reference', 'a0648bb');
// Bench our engine from this commit's src/snapshot instead of the working tree's.
const OURS = stringOption('--ours', null);
if (!(RUNS >= 1)) throw new Error('--runs wants a number >= 1');

const log = (...a) => console.error('[bench]', ...a);
mkdirSync(OUT, { recursive: true });

// --- setup: bench deps, our engine bundle, fixtures ----------------------------------------

function installDeps() {
  const { dependencies } = JSON.parse(readFileSync(join(BENCH, 'package.json'), 'utf8'));
  if (Object.keys(dependencies).every((name) => existsSync(join(BENCH, 'node_modules', name, 'package.json')))) return;
  // --ignore-scripts: puppeteer (a memlab dependency) downloads a browser in postinstall,
  // which we neither need nor can fetch.
  const env = { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' };
  const npm = (...a) => spawnSync('npm', a, { cwd: BENCH, stdio: 'inherit', env }).status === 0;
  log('installing bench dependencies');
  if (!npm('ci', '--ignore-scripts') && !npm('install', '--ignore-scripts')) {
    throw new Error('could not install bench dependencies (npm ci / npm install in bench/)');
  }
}

// esbuild from the project's own devDependencies.
const esbuild = () => createRequire(join(ROOT, 'package.json'))('esbuild');
const ENTRY = join(BENCH, 'engines', 'leakscope-entry.ts');

/**
 * out/<name>.cjs from an entry over the sources under root (the checkout, or a commit's copy).
 * Where src/snapshot has a section worker (the reader starts it on big files), it is bundled
 * beside, as out/<name>-snapshot-worker.cjs, and named to the reader the way scripts/build.mjs does.
 */
function bundleEntry(entry, name, root) {
  // snapshot-worker.ts since it also builds graphs; section-worker.ts at 4f08873…
  const worker = ['snapshot-worker.ts', 'section-worker.ts'].map((name) => join(root, 'src', 'snapshot', name)).find((path) => existsSync(path));
  const hasWorker = worker !== undefined;
  const options = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    define: hasWorker ? { LEAKSCOPE_SNAPSHOT_WORKER: JSON.stringify(`${name}-snapshot-worker.cjs`), 'import.meta.url': 'undefined' } : {},
  };
  esbuild().buildSync({ ...options, ...entry, outfile: join(OUT, `${name}.cjs`) });
  if (hasWorker) esbuild().buildSync({ ...options, entryPoints: [worker], outfile: join(OUT, `${name}-snapshot-worker.cjs`) });
}

/**
 * Leakscope's engine into out/leakscope.cjs: the working tree's src/snapshot as it is (no dist/
 * needed), or with --ours COMMIT that commit's. Returns the commit, or null for the working tree.
 */
function buildLeakscope() {
  if (OURS) return bundleAt(OURS, 'leakscope');
  bundleEntry({ entryPoints: [ENTRY] }, 'leakscope', ROOT);
  return null;
}

/**
 * src/snapshot as it was at a commit, read with `git archive` (which changes nothing in the
 * checkout) into out/<name>-src/, bundled through that commit's own leakscope-entry.ts (the
 * working tree's if it has none) into out/<name>.cjs. Returns the full commit id; throws when
 * there is no such commit or no git.
 */
function bundleAt(rev, name) {
  const git = (...a) => execFileSync('git', ['-C', ROOT, ...a], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
  const commit = git('rev-parse', '--verify', `${rev}^{commit}`).toString().trim();
  const src = join(OUT, `${name}-src`);
  rmSync(src, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  const entryPath = 'bench/engines/leakscope-entry.ts';
  let hasEntry = true;
  try {
    git('cat-file', '-e', `${commit}:${entryPath}`);
  } catch {
    hasEntry = false;
  }
  execFileSync('tar', ['-x', '-C', src], { input: git('archive', '--format=tar', commit, 'src/snapshot', ...(hasEntry ? [entryPath] : [])) });
  // The entry imports '../../src/snapshot/…', resolved from out/<name>-src/bench/engines.
  const entry = hasEntry
    ? { entryPoints: [join(src, entryPath)] }
    : { stdin: { contents: readFileSync(ENTRY, 'utf8'), resolveDir: join(src, 'bench', 'engines'), sourcefile: 'leakscope-entry.ts', loader: 'ts' } };
  bundleEntry(entry, name, src);
  return commit;
}

/**
 * Chrome DevTools' heap snapshot worker from the chrome-devtools-frontend package's TypeScript
 * sources, as an ES module (its HostRuntime uses top-level await): out/devtools.mjs. Three modules
 * the worker code imports are swapped for stand-ins, because what it needs of them is tiny and
 * the rest pulls in browser UI code: i18n (only serializeUIString, for progress messages that go
 * nowhere here), text_utils (only BalancedJSONTokenizer, DevTools' own, re-exported) and the
 * heap_snapshot model module (only HeapSnapshotModel.ts, not the UI-side proxies). core/ modules
 * are marked free of side effects so that only what the worker uses is bundled.
 */
function buildDevtools() {
  const frontEnd = join(BENCH, 'node_modules', 'chrome-devtools-frontend', 'front_end');
  const stubs = {
    'core/i18n/i18n.js': 'export const i18n = { serializeUIString: (string, values = {}) => JSON.stringify({ string, values }) };',
    'core/text_utils/text_utils.js': `import { BalancedJSONTokenizer } from './core/text_utils/TextUtils.ts'; export const TextUtils = { BalancedJSONTokenizer };`,
    'models/heap_snapshot/heap_snapshot.js': `export * as HeapSnapshotModel from './models/heap_snapshot/HeapSnapshotModel.ts';`,
  };
  const devtoolsStubs = {
    name: 'devtools-stubs',
    setup(build) {
      build.onResolve({ filter: /\.js$/ }, ({ path, resolveDir }) => {
        const full = join(resolveDir, path);
        const key = relative(frontEnd, full);
        if (key in stubs) return { path: key, namespace: 'devtools-stub' };
        const ts = full.replace(/\.js$/, '.ts');
        if (key.startsWith('core/') && existsSync(ts)) return { path: ts, sideEffects: false };
        return undefined;
      });
      build.onLoad({ filter: /.*/, namespace: 'devtools-stub' }, ({ path }) => ({ contents: stubs[path], loader: 'ts', resolveDir: frontEnd }));
    },
  };
  return esbuild().build({ // plugins need the async API
    entryPoints: [join(BENCH, 'engines', 'devtools-entry.ts')],
    outfile: join(OUT, 'devtools.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
    plugins: [devtoolsStubs],
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

/**
 * Runs every tool on one file, RUNS times each (interleaved), and summarises by median; then
 * the reference build of our engine once, when there is one (reference: its commit, or null).
 */
async function benchFile(label, file, tools, reference) {
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
      logResult(result);
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
      ...(rs[0].reportMs !== undefined ? { reportS: median(rs.map((x) => x.reportMs)) / 1000 } : {}),
      rssMB: median(rs.map((x) => x.maxRssKB)) / 1024,
      ...(rs[0].phases ? { phases: medianPhases(rs.map((x) => x.phases)) } : {}),
      top: rs[0].top,
      lookup: rs[0].lookup,
      ...(failed[tool] ? { error: `failed after ${rs.length} run(s): ${failed[tool]}` } : {}),
    };
  }
  let ref = null;
  if (reference) {
    log(`${label}: leakscope-reference (${reference.slice(0, 7)}) once`);
    const result = await measure('leakscope-reference', file);
    if (!result.error) logResult(result);
    else log(`  failed: ${result.error}`);
    ref = result.error
      ? { error: result.error }
      : {
          runs: 1,
          parseS: result.parseMs / 1000,
          retainedS: result.retainedMs / 1000,
          rssMB: result.maxRssKB / 1024,
          nodes: result.nodes,
          edges: result.edges,
          totalRetained: result.totalRetained,
          top: result.top,
        };
  }
  const ours = runs.leakscope?.[0];
  return {
    label,
    file: relative(ROOT, file),
    sizeMB,
    nodes: ours?.nodes,
    edges: ours?.edges,
    totalRetained: ours?.totalRetained,
    tools: summary,
    reference: ref,
  };
}

function logResult(result) {
  log(`  parse ${(result.parseMs / 1000).toFixed(2)} s, retained ${(result.retainedMs / 1000).toFixed(2)} s, rss ${(result.maxRssKB / 1024).toFixed(0)} MB`);
}

/** Per-phase medians, phases in the order the first run reported them. */
function medianPhases(list) {
  const names = [...new Set(list.flatMap((p) => Object.keys(p)))];
  return Object.fromEntries(names.map((name) => [name, median(list.map((p) => p[name] ?? 0))]));
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
    '| File (size, nodes, edges) | Tool | Parse s | To retained sizes s | To report s | Peak RSS MB | RSS / file | Parse × leakscope | Retained × leakscope | Retained × leakscope\'s report |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const base = r.tools.leakscope;
    const toReport = r.tools['leakscope-report']?.reportS;
    let first = true;
    // The reference build of our engine (one run) comes right after ours, without ratios.
    const entries = Object.entries(r.tools);
    if (r.reference) entries.splice(1, 0, [`leakscope-reference (${REFERENCE}, 1 run)`, r.reference]);
    for (const [tool, s] of entries) {
      const file = first ? `**${r.label}** (${r.sizeMB.toFixed(0)} MB, ${(r.nodes / 1e6).toFixed(2)} M nodes, ${(r.edges / 1e6).toFixed(2)} M edges)` : '';
      first = false;
      if (s.parseS === undefined) {
        const why = s.error.startsWith('not run') ? s.error : `failed: ${s.error}`;
        rows.push(`| ${file} | ${tool} | ${cell(why)} | | | | | | | |`);
        continue;
      }
      const ratio = (a, b) => (tool.startsWith('leakscope') || !b ? '' : `${(a / b).toFixed(1)}×`);
      const note = s.error ? ` (${cell(s.error)})` : '';
      rows.push(
        `| ${file} | ${tool}${note} | ${fmt(s.parseS)} | ${fmt(s.retainedS)} | ${fmt(s.reportS)} | ${fmt(s.rssMB, 0)} | ${fmt(s.rssMB / r.sizeMB, 1)} | ` +
          `${ratio(s.parseS, base?.parseS)} | ${ratio(s.retainedS, base?.retainedS)} | ${ratio(s.retainedS, toReport)} |`,
      );
    }
  }
  return rows.join('\n');
}

function topLists(r) {
  const ours = r.tools.leakscope;
  const { memlab, devtools } = r.tools;
  if (!ours?.top) return '';
  const lines = [];
  for (const peer of PEERS) {
    const a = agreement(ours, r.tools[peer]);
    lines.push(
      a
        ? `- ${peer}: ${a.inTheirTop} of our top ${a.of} are in its top ${TOP_N}; max relative retained-size difference among those: ${pct(a.maxRelDiff)}`
        : `- ${peer}: no top list (${r.tools[peer]?.error ?? 'not run'})`,
    );
  }
  lines.push(
    '',
    `| # | leakscope id | class | leakscope retained | devtools retained (same id) | in devtools top ${TOP_N} | memlab retained (same id) | in memlab top ${TOP_N} | memlab top id | name | memlab retained |`,
  );
  lines.push('| ---: | ---: | --- | ---: | ---: | :---: | ---: | :---: | ---: | --- | ---: |');
  const topIds = (t) => new Set((t?.top ?? []).map((x) => x.id));
  const memTop = topIds(memlab);
  const devTop = topIds(devtools);
  const same = (t, o) => {
    const v = o && t?.lookup?.[o.id];
    return v !== undefined && v !== null ? size(v) : '';
  };
  for (let i = 0; i < TOP_N; i++) {
    const o = ours.top[i];
    const m = memlab?.top?.[i];
    lines.push(
      `| ${i + 1} | ${o?.id ?? ''} | ${cell(o?.name)} | ${o ? size(o.retained) : ''} | ${same(devtools, o)} | ${o && devTop.has(o.id) ? '✓' : ''} | ` +
        `${same(memlab, o)} | ${o && memTop.has(o.id) ? '✓' : ''} | ${m?.id ?? ''} | ${cell(m?.name)} | ${m ? size(m.retained) : ''} |`,
    );
  }
  return lines.join('\n');
}

// --- answers kept: leakscope vs the reference build --------------------------------------------

/**
 * Today's engine must give the reference's answers exactly: the same top-20 node ids with the
 * same retained sizes, in the same order, and the same node and edge counts.
 * Returns { ok, line } for results.md.
 */
function checkReference(r) {
  const ours = r.tools.leakscope;
  const ref = r.reference;
  const name = `**${r.label}**`;
  if (!ref) return { ok: false, line: `- ✗ ${name}: no reference build (${referenceError})` };
  if (ref.error) return { ok: false, line: `- ✗ ${name}: the reference failed: ${cell(ref.error)}` };
  if (!ours?.top) return { ok: false, line: `- ✗ ${name}: leakscope failed: ${cell(ours?.error)}` };
  const problems = [];
  if (ours.top.length !== ref.top.length) problems.push(`top list of ${ours.top.length}, reference ${ref.top.length}`);
  for (let i = 0; i < Math.max(ours.top.length, ref.top.length); i++) {
    const [o, f] = [ours.top[i], ref.top[i]];
    if (o?.id !== f?.id || o?.retained !== f?.retained) {
      problems.push(`#${i + 1}: @${o?.id} ${o?.retained} B, reference @${f?.id} ${f?.retained} B`);
    }
  }
  if (r.nodes !== ref.nodes || r.edges !== ref.edges) problems.push(`${r.nodes} nodes / ${r.edges} edges, reference ${ref.nodes} / ${ref.edges}`);
  if (problems.length === 0) {
    return { ok: true, line: `- ✓ ${name}: top ${TOP_N} ids and retained sizes equal the reference's (${ref.nodes} nodes, ${ref.edges} edges)` };
  }
  const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; … ${problems.length - 5} more` : '');
  return { ok: false, line: `- ✗ ${name}: differs from the reference: ${cell(shown)}` };
}

// --- where leakscope's time goes ------------------------------------------------------------

function phaseTable(results) {
  const withPhases = results.filter((r) => r.tools.leakscope?.phases);
  if (withPhases.length === 0) return 'No phase times (leakscope failed).';
  const names = [...new Set(withPhases.flatMap((r) => Object.keys(r.tools.leakscope.phases)))];
  const rows = [
    `| File | ${names.join(' | ')} | sum | to retained sizes |`,
    `| --- | ${names.map(() => '---:').join(' | ')} | ---: | ---: |`,
  ];
  for (const r of withPhases) {
    const { phases, retainedS } = r.tools.leakscope;
    const sum = Object.values(phases).reduce((a, b) => a + b, 0);
    const share = (ms) => `${fmt(ms / 1000)} s (${((ms / sum) * 100).toFixed(0)} %)`;
    rows.push(`| ${r.label} | ${names.map((n) => (phases[n] === undefined ? '' : share(phases[n]))).join(' | ')} | ${fmt(sum / 1000)} s | ${fmt(retainedS)} s |`);
  }
  return rows.join('\n');
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
    leakscope: `${v(ROOT)} (${oursCommit ? `src/snapshot of ${oursCommit.slice(0, 10)}` : 'working tree'})`,
    '@memlab/core': v(join(modules, '@memlab/core')),
    '@vscode/v8-heap-parser': v(join(modules, '@vscode/v8-heap-parser')),
    'chrome-devtools-frontend': v(join(modules, 'chrome-devtools-frontend')),
    typescript: v(join(modules, 'typescript')),
    ...(referenceCommit ? { 'reference commit': referenceCommit.slice(0, 10) } : {}),
  };
}

// --- main ------------------------------------------------------------------------------------

// label, how to make it, and the tools that run on it (with why the others do not).
const WASM_LIMIT = 'not run: its 4 GB of WebAssembly memory run out on files of a few hundred MB (see typescript)';
const FILES = [
  { label: 'generated', make: () => fixture('generated.heapsnapshot', 'generated-heap.js', '1') },
  { label: 'typescript', make: () => fixture('typescript.heapsnapshot', 'typescript-heap.js') },
  {
    label: 'typescript-1gb',
    // Two whole Programs and a third over the lib files and @types/node: ~1 GB, 8 M nodes.
    make: () => fixture('typescript-1gb.heapsnapshot', 'typescript-heap.js', '2', '@types/node'),
    skip: { 'v8-heap-parser': WASM_LIMIT },
  },
];
const unknown = (ONLY ?? []).filter((label) => !FILES.some((f) => f.label === label));
if (unknown.length) throw new Error(`--only: no file labelled ${unknown.join(', ')} (there are ${FILES.map((f) => f.label).join(', ')})`);

installDeps();
const oursCommit = buildLeakscope();
await buildDevtools();
let referenceCommit = null;
let referenceError = null;
try {
  referenceCommit = bundleAt(REFERENCE, 'leakscope-reference');
} catch (error) {
  const why = error.errors?.[0]?.text ?? String(error.stderr || error.message).trim().split('\n')[0];
  referenceError = `could not build the reference from ${REFERENCE}: ${why}`;
  log(referenceError);
}

const results = [];
for (const { label, make, skip = {} } of FILES.filter((f) => !ONLY || ONLY.includes(f.label))) {
  const result = await benchFile(label, make(), TOOLS.filter((t) => !skip[t]), referenceCommit);
  for (const [tool, why] of Object.entries(skip)) result.tools[tool] = { error: why };
  results.push(result);
}
let huge = null;
if (HUGE) {
  const file = fixture('generated-huge.heapsnapshot', 'generated-heap.js', '7.5');
  huge = await benchFile('generated-huge', file, ['leakscope'], referenceCommit);
}
const checks = [...results, ...(huge ? [huge] : [])].map(checkReference);
if (checks.some((c) => !c.ok)) process.exitCode = 1;

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
  `## Answers kept: leakscope vs its build from ${referenceCommit?.slice(0, 10) ?? REFERENCE}`,
  '',
  `Today's engine must give exactly the reference's answers: top-${TOP_N} node ids and retained sizes (same order), node and edge counts.`,
  '',
  ...checks.map((c) => c.line),
  '',
  `## Where leakscope's time goes`,
  '',
  "Medians per phase: the parse, then HeapGraph's phases as its onProgress reports them (a phase lasts until the next",
  'starts); "sum" adds those medians, "to retained sizes" is the median of the runs\' totals, as in the table above.',
  '',
  phaseTable([...results, ...(huge ? [huge] : [])]),
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
  JSON.stringify({ machine: info, versions: versions(), results, huge, referenceChecks: checks }, null, 2) + '\n',
);
rmSync(join(OUT, `.time-${process.pid}`), { force: true });
console.log(md);
log(`wrote ${relative(ROOT, join(OUT, 'results.md'))} and results.json`);
if (process.exitCode) log("leakscope's answers differ from the reference (or could not be checked): see 'Answers kept' in results.md");
