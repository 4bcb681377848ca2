import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { SnapshotFormatError } from './format.ts';

/** Opens a snapshot file for reading; a missing, empty or wrong file says so with its path. */
export function openSnapshot(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw fileError(path, error);
  }
  const stat = fstatSync(fd);
  if (stat.isDirectory() || stat.size === 0) {
    closeSync(fd);
    throw new SnapshotFormatError(stat.isDirectory() ? `${path} is a directory, not a heap snapshot file` : `${path} is empty`);
  }
  return fd;
}

export function readAt(path: string, fd: number, into: Uint8Array, position: number | null, length = into.length): number {
  try {
    return readSync(fd, into, 0, length, position);
  } catch (error) {
    throw fileError(path, error);
  }
}

/** Runs a step of reading `path`: a bad-input error says which file. */
export function withPath<T>(path: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof SnapshotFormatError && !error.message.startsWith(path)) throw new SnapshotFormatError(`${path}: ${error.message}`);
    throw error;
  }
}

function fileError(path: string, error: unknown): SnapshotFormatError {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return new SnapshotFormatError(`${path}: no such file`);
  if (code === 'EISDIR') return new SnapshotFormatError(`${path} is a directory, not a heap snapshot file`);
  if (code === 'EACCES') return new SnapshotFormatError(`${path}: permission denied`);
  return new SnapshotFormatError(`${path}: ${(error as Error)?.message ?? String(error)}`);
}
