import { mkdtempSync } from 'node:fs';
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

export function scratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `leakscope-${prefix}-`));
}
