import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What was done to keep snapshots out of git: they hold everything the program had in memory. */
export type FolderProtection = 'not-in-git' | 'already-ignored' | 'ignored-now' | 'not-ignored';

async function git(dir: string, ...args: string[]): Promise<boolean> {
  try {
    await run('git', ['-C', dir, ...args], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates the snapshot folder and, when it lies in a git work tree where snapshots would
 * not be ignored, puts a `.gitignore` of `*` in it. Says what it found and did. The extension's
 * snapshot folder and `leakscope run --out` both go through here.
 */
export async function prepareSnapshotFolder(dir: string): Promise<FolderProtection> {
  mkdirSync(dir, { recursive: true });
  if (!(await git(dir, 'rev-parse', '--is-inside-work-tree'))) return 'not-in-git';
  const probe = join(dir, 'probe.heapsnapshot');
  if (await git(dir, 'check-ignore', '-q', probe)) return 'already-ignored';
  const ignoreFile = join(dir, '.gitignore');
  // `*` would also hide whatever else the folder holds (`--out .` at a project's root).
  if (!existsSync(ignoreFile) && holdsOnlySnapshots(dir)) {
    try {
      writeFileSync(ignoreFile, '# Heap snapshots hold secrets: keep them out of git.\n*\n');
    } catch {
      return 'not-ignored';
    }
  }
  return (await git(dir, 'check-ignore', '-q', probe)) ? 'ignored-now' : 'not-ignored';
}

function holdsOnlySnapshots(dir: string): boolean {
  return readdirSync(dir).every((name) => /\.heapsnapshot(\.partial)?$/.test(name));
}

/** What to tell the user about the folder's protection, or null when there is nothing to say. */
export function protectionNotice(dir: string, protection: FolderProtection): string | null {
  if (protection === 'ignored-now') return `added a .gitignore to ${dir}: heap snapshots hold everything the program had in memory, secrets included`;
  if (protection === 'not-ignored') return `the snapshots in ${dir} are not ignored by git, and they hold secrets: add *.heapsnapshot to a .gitignore`;
  return null;
}

/** `map-cache-2026-11-29T10-04-05-1.heapsnapshot`: sortable, and safe whatever the session is called. */
export function snapshotFileName(sessionName: string, takenAt: Date, index: number): string {
  const stem = sessionName.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'node';
  const time = takenAt.toISOString().slice(0, 19).replace(/:/g, '-');
  return `${stem}-${time}-${index}.heapsnapshot`;
}
