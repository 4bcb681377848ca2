// Places in the program's source, as the views write them.
import { relative } from 'node:path';
import type { SourceRef } from '../analysis/report.ts';

/** `examples/map-cache.js`: relative to `root` when the file is below it, else as it is. */
export function formatFile(file: string, root: string): string {
  const rel = file.startsWith('/') ? relative(root, file) || file : file;
  return rel.startsWith('..') ? file : rel;
}

/** `examples/map-cache.js:14:3`, the file as `formatFile` writes it. */
export function formatPlace(ref: SourceRef | null, root: string): string {
  return ref ? `${formatFile(ref.file, root)}:${ref.line}:${ref.column}` : 'location unknown';
}

/** `map-cache.js:14`, or the last part of a URL that is not a file: for rows and labels with little room. */
export function shortPlace(ref: SourceRef): string {
  const name = ref.file.split(/[\\/]/).pop() || ref.file;
  return `${name}:${ref.line}`;
}

/**
 * Whose code a file is when it is not the program's: the package under `node_modules`
 * (`prom-client`, `@scope/name`) or Node itself (`node:` URLs); null for the program's own.
 */
export function codeOwner(file: string): string | null {
  if (file.startsWith('node:')) return 'Node';
  const parts = file.split(/[\\/]/);
  const k = parts.lastIndexOf('node_modules');
  // A package's files are below its folder: `node_modules/x` alone is no package's file.
  if (k < 0 || parts.length < k + 3) return null;
  const name = parts[k + 1];
  return name.startsWith('@') ? `${name}/${parts[k + 2]}` : name;
}
