import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/cli.js');
export const WORKER = join(ROOT, 'dist/worker.js');

export function program(name: string): string {
  return join(ROOT, 'test/fixtures/programs', name);
}

export function example(name: string): string {
  return join(ROOT, 'examples', name);
}

// Snapshots run to hundreds of MB, in the tests' folders and in the temporary folders of the
// CLIs they start (`leakscope run` without --out). Everything goes under one folder per test
// file, through TMPDIR, which the children inherit: removed when the file passes, kept to look
// at when it fails (node:test exits non-zero then).
const testRoot = mkdtempSync(join(tmpdir(), 'leakscope-test-'));
process.env.TMPDIR = testRoot;
process.on('exit', (code) => {
  if (code !== 0) return;
  try {
    rmSync(testRoot, { recursive: true, force: true, maxRetries: 5 });
  } catch (error) {
    // A child still writing must not fail a file whose tests passed.
    process.stderr.write(`could not remove ${testRoot}: ${String(error)}\n`);
  }
});

export function scratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `leakscope-${prefix}-`));
}
