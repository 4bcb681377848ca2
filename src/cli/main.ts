import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AnalysisClient } from '../analysis/client.ts';
import { errorKind, LeakscopeError } from '../common/errors.ts';
import { Logger, quietLogger, writerLogger } from '../common/logger.ts';
import { inspectorOfProcess, openedNotice } from '../inspector/attach-pid.ts';
import { ExitCode, exitCodeFor } from './exit-codes.ts';
import { formatHtmlReport } from './html-report.ts';
import { ProgressBar } from './progress.ts';
import { attachAndAnalyze, formatMemory, RunOptions, runAndAnalyze, WatchOptions, writeJson, writePrivateFile } from './run.ts';
import { parseDuration, parseRule, watchAndAnalyze, WatchForOptions, watchForOptions } from './watch.ts';
import { DEFAULT_RULE } from '../analysis/watch-policy.ts';
import { formatTextReport } from './text-report.ts';
import { serveMcp } from '../mcp/stdio.ts';

const HELP = `leakscope — find the reference that won't let go

Usage:
  leakscope run <script> [options] [-- script args]
      Run a Node program under its inspector (127.0.0.1 only), read its memory all along,
      take heap snapshots spread over the run, stop it, and say whether it leaks and where.
        --duration <s>     how long to run it (default 20)
        --snapshots <n>    heap snapshots to take, after a warm-up (default 3)
        --interval <ms>    memory reading interval (default 500)
        --out <dir>        keep the snapshots here (default: a new temporary folder)
        --json <file>      also write the report as JSON
        --html <file>      also write it as one self-contained HTML page (chart included)
        --fail-on-leak     exit 1 when the verdict is a leak (for CI)
        --node <path>      the node binary that runs the program (default: the one
                           running leakscope); Node 20 to 26
        --no-track-promises
                           the async-resource tracker leaves promises out: a program
                           that awaits a lot ran 100-250 times slower with them (pending
                           promises still show in the snapshots, by the function awaiting)
        --track-allocations
                           also record every object's allocation stack, from the
                           program's start (node --track-heap-objects), so growth sites
                           come with the bytes each one added. Off by default: measured,
                           the program ran 3.5 to 65 times slower and its rss grew
                           (--no-track-allocations turns it off again)
        --no-memory-check  take every snapshot, even one the program has no memory
                           for: V8 needs about 8 times the used heap in the program to
                           write one (measured), and by default a snapshot that would
                           not fit under its memory limit or the free memory is skipped

  leakscope attach <port | host:port | ws-url> [options of run]
  leakscope attach --pid <pid> [options of run]
      The same watch on a process already started with --inspect; it keeps running
      afterwards, with nothing of Leakscope's left in it. --track-allocations records
      stacks from the moment of attaching only, and costs more there (measured 10 to
      90 times slower: the inspector also forces a full GC every 50 ms while it tracks).
        --pid <pid>        a Node process started without --inspect (Linux): opens its
                           inspector with SIGUSR1 (on loopback only), finds its port and
                           checks it is that process's; the inspector stays open until
                           the process exits. A bare number is a port, as always.
                           watch takes it too

  leakscope watch <script | port | host:port | ws-url> [options of run] [-- script args]
      Watch a program for as long as it takes (--for, default 1h), reading its memory
      with a full GC now and then, and take snapshots only once its post-GC memory keeps
      climbing, or nears its heap limit: a baseline, then spaced ones, the baseline and
      the newest kept. Ends with a report as soon as the snapshots show a leak, or when
      the time is up. A program whose memory stays flat is never snapshotted.
        --for <duration>   how long at most: 90s, 30m, 2h (default 1h)
        --when <rule>      when to snapshot, comma-separated (defaults shown):
                             rate=2MB/min  post-GC heap + buffers growing this fast…
                             over=5m       …over the last this long
                             limit=80%     or the heap past this share of its limit
                             every=2m      at most one snapshot this often
        --keep <n>         snapshots kept on disk (default 5, at least 3)

  leakscope analyze <a.heapsnapshot> [b.heapsnapshot …] [options]
      Analyse heap snapshots of one process, oldest first. One snapshot: what holds the
      memory (top classes by retained size, largest objects, their retainer paths).
      Two or more: what grows between them, ranked, with source lines and a verdict.
        --json             print the report as JSON (schema in the README)

  leakscope mcp [--root <folder>] [--max-memory <mb>] [--verbose]
      A Model Context Protocol server on stdin/stdout, for coding agents: the tools
      run_leak_hunt, attach, watch, analyze_snapshots, explain_suspect, top_retainers
      and async_resources (see the README). It runs and attaches only to programs
      inside the workspace, and keeps the snapshots of its runs in a temporary folder
      removed when it stops.
        --root <folder>    the workspace (default: the folder it starts in)

Options of run, attach, watch and analyze (mcp takes --max-memory and --verbose):
  --top <n>          rows in the top tables (default 20)
  --max-memory <mb>  memory the analysis may use (default: three quarters of RAM)
  --verbose          log to stderr what went wrong on the way and was worked around
                     (a source map that can't be read, a feature that turned itself off)
  -h, --help         show this help
  -v, --version      show the version

Exit codes: 0 done, 1 a leak with --fail-on-leak, 2 bad input or the program went away,
3 not enough memory for the analysis, 4 a bug of Leakscope's (with its stack), 130 cancelled.
Every failure is said in one sentence on stderr.
`;

/** Wrong usage: printed as one sentence, exit code 2. */
class UsageError extends LeakscopeError {
  constructor(message: string) {
    super('input', message);
  }
}

function loggerFor(verbose: boolean): Logger {
  return verbose ? writerLogger((line) => process.stderr.write(line)) : quietLogger;
}

async function analyze(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      top: { type: 'string', default: '20' },
      'max-memory': { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  if (positionals.length === 0) throw new UsageError('analyze needs at least one .heapsnapshot file');
  const top = Number(values.top);
  if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top must be a positive whole number, not '${values.top}'`);
  const budget = values['max-memory'] === undefined ? undefined : Number(values['max-memory']);
  if (budget !== undefined && !(budget > 0)) throw new UsageError(`--max-memory must be a number of megabytes, not '${values['max-memory']}'`);

  const client = new AnalysisClient({ workerPath: join(__dirname, 'worker.js'), memoryBudgetMb: budget, logger: loggerFor(values.verbose) });
  const progress = new ProgressBar();
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    const report = await client.request('analyze', { files: positionals, top }, { onProgress: (p) => progress.update(p), signal: abort.signal });
    progress.done();
    process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatTextReport(report));
    return ExitCode.done;
  } finally {
    progress.done();
    process.off('SIGINT', onSignal);
    await client.dispose();
  }
}

function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`--${name} must be a positive number, not '${value}'`);
  return n;
}

const WATCH_OPTIONS = {
  duration: { type: 'string' },
  snapshots: { type: 'string' },
  interval: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'string' },
  html: { type: 'string' },
  'fail-on-leak': { type: 'boolean', default: false },
  node: { type: 'string' },
  pid: { type: 'string' },
  'track-allocations': { type: 'boolean' },
  'no-track-allocations': { type: 'boolean' },
  'no-track-promises': { type: 'boolean', default: false },
  'no-memory-check': { type: 'boolean', default: false },
  top: { type: 'string' },
  'max-memory': { type: 'string' },
  verbose: { type: 'boolean', default: false },
  for: { type: 'string' },
  when: { type: 'string' },
  keep: { type: 'string' },
} as const;

/** watch's own options: how long, when to snapshot, how many to keep. */
function watchOptions(launch: RunOptions, values: { for?: string; when?: string; keep?: string }): RunOptions & WatchForOptions {
  const forMs = values.for === undefined ? 3_600_000 : parseDuration('--for', values.for);
  const rule = parseRule(values.when ?? '', DEFAULT_RULE);
  return watchForOptions(launch, forMs, rule, Math.max(3, Math.round(positiveNumber('keep', values.keep, 5))));
}

/** `--track-allocations` or `--no-track-allocations`, whichever comes last; off without either (it slows the program down several times over). */
function trackAllocations(tokens: ReturnType<typeof parseArgs>['tokens']): boolean {
  const last = tokens?.findLast((t) => t.kind === 'option' && (t.name === 'track-allocations' || t.name === 'no-track-allocations'));
  return last?.kind === 'option' && last.name === 'track-allocations';
}

const NEEDS: Record<'run' | 'attach' | 'watch', string> = {
  run: 'run needs a script: leakscope run app.js',
  attach: 'attach needs an inspector: a port, host:port or ws:// URL, or --pid and a process id',
  watch: 'watch needs a script or an inspector: leakscope watch app.js, or a port, host:port or ws:// URL, or --pid and a process id',
};

/**
 * The inspector of process --pid, opened if need be: attach's and watch's target in place of
 * an address. A bare number stays a port, as it always was; the process id gets its own
 * flag, as in `node inspect -p`.
 */
async function inspectorOfPid(pid: string, logger: Logger, signal: AbortSignal): Promise<string> {
  const id = Number(pid);
  if (!/^\d+$/.test(pid) || !Number.isSafeInteger(id) || id < 1) throw new UsageError(`--pid must be a process id, not '${pid}'`);
  const inspector = await inspectorOfProcess(id, { logger, signal });
  const notice = openedNotice(id, inspector);
  if (notice) process.stderr.write(`leakscope: ${notice}\n`);
  return inspector.url;
}

/** `run`, `attach` and `watch`: parse the shared options, watch, report, and pick the exit code. */
async function watch(args: string[], command: 'run' | 'attach' | 'watch'): Promise<number> {
  const { values, positionals, tokens } = parseArgs({ args, allowPositionals: true, options: WATCH_OPTIONS, tokens: true });
  const [first, ...rest] = positionals;
  if (command === 'run' && values.pid !== undefined) throw new UsageError('--pid is for attach and watch: run starts its own program');
  if (!first && values.pid === undefined) throw new UsageError(NEEDS[command]);
  if (first && values.pid !== undefined) {
    throw new UsageError(`${command} takes ${command === 'attach' ? "an inspector's address" : 'a script or an inspector'} or --pid, not both ('${first}' and --pid ${values.pid})`);
  }
  if (command === 'attach' && first && /^\d+$/.test(first) && Number(first) > 65535) {
    throw new UsageError(`${first} is not a port (1 to 65535): to attach to process ${first}, use --pid ${first}`);
  }
  if (command === 'attach' && values.node !== undefined) throw new UsageError('--node is for run: an attached process already runs on its own node');
  for (const flag of ['for', 'when', 'keep'] as const) {
    if (command !== 'watch' && values[flag] !== undefined) throw new UsageError(`--${flag} is for watch`);
  }
  for (const flag of ['duration', 'snapshots'] as const) {
    if (command === 'watch' && values[flag] !== undefined) throw new UsageError(`--${flag} is for run and attach: watch takes snapshots when memory says so, for as long as --for`);
  }
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    const logger = loggerFor(values.verbose);
    const options: WatchOptions = {
      durationMs: positiveNumber('duration', values.duration, 20) * 1000,
      snapshots: Math.round(positiveNumber('snapshots', values.snapshots, 3)),
      intervalMs: positiveNumber('interval', values.interval, 500),
      outDir: values.out ?? null,
      top: Math.round(positiveNumber('top', values.top, 20)),
      memoryBudgetMb: values['max-memory'] === undefined ? undefined : positiveNumber('max-memory', values['max-memory'], 0),
      workerPath: join(__dirname, 'worker.js'),
      logger,
      signal: abort.signal,
      trackAllocations: trackAllocations(tokens),
      trackPromises: !values['no-track-promises'],
      memoryCheck: !values['no-memory-check'],
    };
    // With --pid, the target is the inspector of that process.
    const target = values.pid === undefined ? first! : await inspectorOfPid(values.pid, logger, abort.signal);
    const launch = { ...options, script: target, args: rest, node: values.node, asyncPreloadPath: join(__dirname, 'async-preload.js') };
    const report =
      command === 'run'
        ? await runAndAnalyze(launch)
        : command === 'attach'
          ? await attachAndAnalyze(target, options)
          : await watchAndAnalyze(target, watchOptions(launch, values));
    if (values.json) writeJson(values.json, report);
    if (values.html) writePrivateFile(values.html, formatHtmlReport(report));
    process.stdout.write(formatTextReport(report, process.cwd(), formatMemory(report)));
    return values['fail-on-leak'] && report.verdict === 'leak' ? ExitCode.leak : ExitCode.done;
  } finally {
    process.off('SIGINT', onSignal);
  }
}

/** `leakscope mcp`: serves until the client goes. */
function mcp(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { root: { type: 'string' }, 'max-memory': { type: 'string' }, verbose: { type: 'boolean', default: false } } });
  return serveMcp({
    root: values.root ?? process.cwd(),
    version: LEAKSCOPE_VERSION,
    workerPath: join(__dirname, 'worker.js'),
    asyncPreloadPath: join(__dirname, 'async-preload.js'),
    memoryBudgetMb: values['max-memory'] === undefined ? undefined : positiveNumber('max-memory', values['max-memory'], 0),
    logger: loggerFor(values.verbose),
  });
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(HELP);
    return command ? 0 : 2;
  }
  if (command === '-v' || command === '--version') {
    process.stdout.write(`${LEAKSCOPE_VERSION}\n`);
    return 0;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    process.stdout.write(HELP);
    return 0;
  }
  switch (command) {
    case 'analyze':
      return analyze(rest);
    case 'run':
    case 'attach':
    case 'watch':
      return watch(rest, command);
    case 'mcp':
      return mcp(rest);
    default:
      throw new UsageError(`unknown command '${command}' (try: leakscope --help)`);
  }
}

declare const LEAKSCOPE_VERSION: string;

// chrome-remote-interface reads the inspector's address with url.parse(), which Node 24 and
// later flag (DEP0169) on every connection: a notice for us, not for the user. Every other
// warning still prints, as Node would print it.
process.removeAllListeners('warning');
process.on('warning', (warning: Error & { code?: string }) => {
  if (warning.code !== 'DEP0169') process.stderr.write(`(node:${process.pid}) ${warning.code ? `[${warning.code}] ` : ''}${warning.name}: ${warning.message}\n`);
});

// A reader that stops early (`| head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // parseArgs says what is wrong with the command line in its own errors.
    const kind = (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS') ? 'input' : errorKind(error);
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`leakscope: ${kind === 'internal' ? `internal error: ${error instanceof Error ? error.stack : message}` : message}\n`);
    process.exitCode = exitCodeFor(kind);
  },
);
