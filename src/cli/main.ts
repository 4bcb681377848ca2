import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AnalysisClient, AnalysisError } from '../analysis/client.ts';
import { ProgressBar } from './progress.ts';
import { formatTextReport } from './text-report.ts';

const HELP = `leakscope — find the reference that won't let go

Usage:
  leakscope analyze <a.heapsnapshot> [b.heapsnapshot …] [options]
      Analyse heap snapshots of one process, oldest first. One snapshot: what holds the
      memory (top classes by retained size, largest objects, their retainer paths).
      Two or more: what grows between them, ranked, with source lines and a verdict.

Options:
  --json             print the report as JSON (schema in the README)
  --top <n>          rows in the top tables (default 20)
  --max-memory <mb>  memory the analysis may use (default: three quarters of RAM)
  -h, --help         show this help
  -v, --version      show the version

Exit codes: 0 done, 2 bad input or an error (said in one sentence on stderr).
`;

/** Wrong usage or bad input: printed as one sentence, exit code 2. */
class UsageError extends Error {}

async function analyze(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      top: { type: 'string', default: '20' },
      'max-memory': { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new UsageError('analyze needs at least one .heapsnapshot file');
  const top = Number(values.top);
  if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top must be a positive whole number, not '${values.top}'`);
  const budget = values['max-memory'] === undefined ? undefined : Number(values['max-memory']);
  if (budget !== undefined && !(budget > 0)) throw new UsageError(`--max-memory must be a number of megabytes, not '${values['max-memory']}'`);

  const client = new AnalysisClient({ workerPath: join(__dirname, 'worker.js'), memoryBudgetMb: budget });
  const progress = new ProgressBar();
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    const report = await client.request('analyze', { files: positionals, top }, { onProgress: (p) => progress.update(p), signal: abort.signal });
    progress.done();
    process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatTextReport(report));
    return 0;
  } finally {
    progress.done();
    process.off('SIGINT', onSignal);
    await client.dispose();
  }
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
    default:
      throw new UsageError(`unknown command '${command}' (try: leakscope --help)`);
  }
}

declare const LEAKSCOPE_VERSION: string;

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
    const known = error instanceof UsageError || error instanceof AnalysisError || (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS');
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof AnalysisError && error.kind === 'cancelled') {
      process.stderr.write('leakscope: cancelled\n');
      process.exitCode = 130;
      return;
    }
    process.stderr.write(`leakscope: ${known ? message : `internal error: ${error instanceof Error ? error.stack : message}`}\n`);
    process.exitCode = 2;
  },
);
