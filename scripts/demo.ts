// The README's first command: run the bundled leaky example, snapshot it three times,
// and let `leakscope analyze` say what grows and where.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { captureSeries } from '../test/helpers/snapshot-series.ts';
import { CLI, example } from '../test/helpers/paths.ts';

const script = example('map-cache.js');
const outDir = mkdtempSync(join(tmpdir(), 'leakscope-demo-'));
process.stderr.write(`Running ${relative(process.cwd(), script)} and taking 3 heap snapshots, 2 s apart…\n`);
const files = await captureSeries(script, { count: 3, warmupMs: 1000, intervalMs: 2000, outDir });
process.stderr.write(`\n$ leakscope analyze ${files.join(' ')}\n\n`);
const result = spawnSync(process.execPath, [CLI, 'analyze', ...files], { stdio: 'inherit' });
process.exitCode = result.status ?? 2;
