import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND, originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import type { Logger } from '../common/logger.ts';
import type { SourceRef } from './report.ts';

const MAPPING_URL = /\/\/[#@] sourceMappingURL=([^\s'"]+)\s*$/;

/**
 * Maps locations in generated JavaScript (a TypeScript build, a bundle) back to the
 * original source, through the source map the file names: inline (`data:`) or beside it.
 * Files without one are returned as they are.
 */
export class SourceMaps {
  private readonly maps = new Map<string, TraceMap | null>();
  private readonly unreadable: string[] = [];

  constructor(private readonly logger: Logger) {}

  /** One sentence per source map that could not be read: their files' lines are the built ones. */
  notes(): string[] {
    return this.unreadable;
  }

  resolve<T extends SourceRef>(ref: T): T {
    const map = this.mapFor(ref.file);
    if (!map) return ref;
    for (const bias of [GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND] as const) {
      const original = originalPositionFor(map, { line: ref.line, column: Math.max(0, ref.column - 1), bias });
      if (original.source && original.line !== null) {
        const file = original.source.startsWith('file://') ? fileURLToPath(original.source) : original.source;
        return { ...ref, file, url: pathToFileURL(file).href, line: original.line, column: (original.column ?? 0) + 1 };
      }
    }
    return ref;
  }

  /** A stack frame's place (a path or file URL, 1-based), in the original source; null for Node's own frames. */
  resolveFrame(at: { file: string; line: number; column: number }): SourceRef | null {
    if (at.file.startsWith('node:')) return null;
    return this.resolve({ ...at, url: at.file, file: at.file.startsWith('file://') ? fileURLToPath(at.file) : at.file });
  }

  /** The original files a generated one was built from (itself when it has no source map). */
  originalFiles(file: string): string[] {
    const map = this.mapFor(file);
    if (!map) return [file];
    return map.resolvedSources.filter((s): s is string => !!s).map((s) => (s.startsWith('file://') ? fileURLToPath(s) : s));
  }

  private mapFor(file: string): TraceMap | null {
    if (!this.maps.has(file)) this.maps.set(file, this.load(file));
    return this.maps.get(file)!;
  }

  private load(file: string): TraceMap | null {
    if (!file.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(file)) return null;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      // A script of another machine, or deleted since: its lines stay as the heap has them.
      this.logger.info(`no source map for ${file}: ${(error as Error).message}`);
      return null;
    }
    // The comment is at the end; a bundle's tail is enough to find it.
    const url = MAPPING_URL.exec(text.slice(-4096))?.[1];
    if (!url) return null;
    try {
      if (url.startsWith('data:')) {
        const comma = url.indexOf(',');
        const body = url.slice(comma + 1);
        const json = url.slice(0, comma).endsWith(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
        return new TraceMap(json, file);
      }
      const mapFile = url.startsWith('file://') ? fileURLToPath(url) : resolve(dirname(file), url);
      return new TraceMap(readFileSync(mapFile, 'utf8'), mapFile);
    } catch (error) {
      const note = `the source map of ${file} could not be read (${(error as Error).message}): its lines are the built file's`;
      this.logger.warn(note);
      this.unreadable.push(note);
      return null;
    }
  }
}
