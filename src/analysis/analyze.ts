import { statSync } from 'node:fs';
import { throwIfCancelled } from '../common/errors.ts';
import { Logger, quietLogger } from '../common/logger.ts';
import { RawSnapshot } from '../snapshot/format.ts';
import { HeapGraph } from '../snapshot/graph.ts';
import { isOwnCode, SourceLocator, urlToFile } from '../snapshot/locations.ts';
import { readSnapshotFile } from '../snapshot/snapshot-file.ts';
import { SourceCode } from '../source/source-code.ts';
import { classDeltas, findSuspects, groupRows } from './compare.ts';
import { DigestStart, finishDigest, idCursor, SnapshotDigest, startDigest } from './digest.ts';
import { HeapExplorer, objectRow } from './explore.ts';
import { AnalysisReport, SnapshotInfo, sourceRef, Verdict } from './report.ts';
import { SourceMaps } from './source-maps.ts';
import { largestObjects } from './summary.ts';

/** Buffer memory below this per holder is not worth a row. */
const MIN_EXTERNAL_GROUP_BYTES = 64 * 1024;

export interface AnalysisProgress {
  /** Which snapshot (0-based) of how many. */
  file: number;
  files: number;
  phase: string;
  /** 0..1 within the phase. */
  fraction: number;
}

export interface AnalyzeOptions {
  top?: number;
  /**
   * The caller took the snapshots from one process, in this order: the id check that catches
   * snapshots given out of order or of another process is skipped. V8's own snapshot near the
   * heap limit, taken mid-collection, gives some new objects the ids of dead ones.
   */
  knownOrder?: boolean;
  onProgress?: (progress: AnalysisProgress) => void;
  signal?: AbortSignal;
}

/** One snapshot reduced to what comparisons need, with the file it came from. */
interface Digested {
  file: string;
  /** Size and modification time: a file written anew is read anew. */
  stamp: string;
  fileBytes: number;
  digest: SnapshotDigest;
}

/** The graph of the newest snapshot read, kept for the report's paths and for questions after it. */
interface Newest {
  file: string;
  g: HeapGraph;
  locator: SourceLocator;
  maps: SourceMaps;
  /** What of the snapshot could not be read and was left out. */
  notes: string[];
}

/** Digests kept at most: a long watch takes more snapshots than any report compares. */
const MAX_DIGESTS = 32;

function stampOf(file: string): string | null {
  const stat = statSync(file, { throwIfNoEntry: false });
  return stat ? stampOfStat(stat) : null;
}

function stampOfStat({ size, mtimeMs }: { size: number; mtimeMs: number }): string {
  return `${size}:${mtimeMs}`;
}

/**
 * Snapshots of one process, oldest first, as the worker keeps them between requests: a
 * digest of each (compact: ids and sizes), and the newest graph. A snapshot read while it
 * was captured (`add`) is not read again; asked again after one more capture, it reads
 * only what is new.
 */
export class SnapshotSeries {
  private readonly digests = new Map<string, Digested>();
  private newest: Newest | null = null;

  constructor(private readonly logger: Logger) {}

  /**
   * Takes a parsed snapshot of `file`: its graph becomes the newest, its digest is kept. It
   * counts as read once `confirm`ed: a snapshot read while it is captured is added before
   * its file is complete on disk.
   */
  async add(file: string, raw: RawSnapshot, options: AnalyzeOptions = {}, at = { index: 0, files: 1 }): Promise<void> {
    const report = (phase: string, fraction: number) => options.onProgress?.({ file: at.index, files: at.files, phase, fraction });
    this.newest = null;
    // The digest starts while the other thread builds the dominator tree.
    let start: DigestStart | undefined;
    const beforeDominators = (graph: HeapGraph, work: Uint32Array) => {
      start = startDigest(graph, work);
    };
    const g = await HeapGraph.build(raw, { onProgress: report, signal: options.signal, beforeDominators });
    throwIfCancelled(options.signal);
    report('summarizing', 0);
    for (const note of raw.notes) this.logger.warn(`${file}: ${note}`);
    const maps = new SourceMaps(this.logger);
    const locator = new SourceLocator(g, (location) => maps.resolve(location));
    const digest = finishDigest(g, start!, locator);
    this.digests.delete(file);
    this.digests.set(file, { file, stamp: '', fileBytes: 0, digest });
    while (this.digests.size > MAX_DIGESTS) this.digests.delete(this.digests.keys().next().value!);
    this.newest = { file, g, locator, maps, notes: raw.notes };
  }

  /** `file`, as added, is now complete on disk. */
  confirm(file: string): void {
    const entry = this.digests.get(file);
    if (!entry) return;
    const stat = statSync(file);
    entry.stamp = stampOfStat(stat);
    entry.fileBytes = stat.size;
  }

  /** `file` was added, but its capture failed: it will not be on disk as it was read. */
  forget(file: string): void {
    this.digests.delete(file);
    if (this.newest?.file === file) this.newest = null;
  }

  /** Questions about `file`: its graph, from memory if it is the newest, else read now. */
  async explore(file: string, options: AnalyzeOptions = {}): Promise<HeapExplorer> {
    if (this.newest?.file !== file || !this.cached(file)) await this.read(file, options, { index: 0, files: 1 });
    const newest = this.newest!;
    return new HeapExplorer(file, newest.g, newest.locator, this.sourceCode(newest));
  }

  /** Analyses `files`, reading only those not digested yet, and the newest graph if it is not in memory. */
  async analyze(files: string[], options: AnalyzeOptions = {}): Promise<AnalysisReport> {
    if (files.length === 0) throw new Error('no snapshot to analyze');
    const last = files[files.length - 1];
    const entries: Digested[] = [];
    for (const [index, file] of files.entries()) {
      let entry = this.cached(file);
      if (!entry || (file === last && this.newest?.file !== file)) entry = await this.read(file, options, { index, files: files.length });
      entries.push(entry);
    }
    const newest = this.newest!;
    const report = reportOf(entries, newest.g, newest.locator, this.sourceCode(newest), options.top ?? 20, options.knownOrder ?? false);
    return { ...report, notes: [...newest.notes, ...newest.maps.notes()] };
  }

  private async read(file: string, options: AnalyzeOptions, at: { index: number; files: number }): Promise<Digested> {
    // Let the previous graph go before reading the next: only one is ever in memory.
    this.newest = null;
    const raw = await readSnapshotFile(file, {
      onProgress: (read, total) => options.onProgress?.({ file: at.index, files: at.files, phase: 'parsing', fraction: read / total }),
      signal: options.signal,
    });
    await this.add(file, raw, options, at);
    this.confirm(file);
    return this.digests.get(file)!;
  }

  private sourceCode(newest: Newest): SourceCode {
    return new SourceCode(() => ownSourceFiles(newest.locator, newest.maps));
  }

  private cached(file: string): Digested | null {
    const entry = this.digests.get(file);
    return entry && stampOf(file) === entry.stamp ? entry : null;
  }
}

/** Analyses one or more snapshots of one process, oldest first, from nothing (what was left out is in the report's notes). */
export function analyzeSnapshots(files: string[], options: AnalyzeOptions = {}): Promise<AnalysisReport> {
  return new SnapshotSeries(quietLogger).analyze(files, options);
}

function reportOf(entries: Digested[], g: HeapGraph, loc: SourceLocator, code: SourceCode, top: number, knownOrder: boolean): Omit<AnalysisReport, 'notes'> {
  const digests = entries.map((e) => e.digest);
  const infos: SnapshotInfo[] = entries.map(({ file, fileBytes, digest }, k) => ({
    file,
    fileBytes,
    nodeCount: digest.nodeCount,
    edgeCount: digest.edgeCount,
    totalBytes: digest.totalBytes,
    nativeBytes: digest.nativeBytes,
    ...(k > 0 ? newSince(digests[k - 1], digest, digests[digests.length - 1]) : { newObjects: null, newBytes: null, newStillAlive: null }),
    allocationTimeline: digest.timeline,
  }));
  const last = digests[digests.length - 1];
  const unordered = knownOrder ? -1 : digests.findIndex((d, k) => k > 0 && !followsInTime(digests[k - 1], d));
  // Growth means nothing unless the snapshots are one process's, oldest first.
  const suspects = unordered > 0 ? [] : findSuspects(digests, g, loc, code);
  const { verdict, reason } =
    unordered > 0
      ? {
          verdict: 'inconclusive' as const,
          reason:
            `${infos[unordered].file} has objects that ${infos[unordered - 1].file} lacks but with older ids: ` +
            'give snapshots of one process, oldest first',
        }
      : verdictOf(digests.length, suspects.length);
  return {
    version: 1,
    verdict,
    verdictReason: reason,
    snapshots: infos,
    top: last.classes.slice(0, top).map((c) => ({ name: c.name, count: c.count, shallowBytes: c.shallow, retainedBytes: c.retained })),
    largest: largestObjects(g, top).map((n) => objectRow(g, loc, code, n)),
    classDeltas: digests.length > 1 ? classDeltas(digests, top) : [],
    suspects,
    groups: groupRows(digests)
      .filter((row) => row.kind !== 'external' || Math.max(...row.bytes) >= MIN_EXTERNAL_GROUP_BYTES)
      .map(({ kind, title, location, counts, bytes }) => ({ kind, title, location: location && sourceRef(location), counts, bytes })),
  };
}

/** The program's own source files, as written: through source maps where a script has one. */
function ownSourceFiles(locator: SourceLocator, maps: SourceMaps): string[] {
  const files = new Set<string>();
  for (const url of locator.scriptNamesInHeap()) {
    if (!isOwnCode(url)) continue;
    for (const file of maps.originalFiles(urlToFile(url))) if (isOwnCode(file)) files.add(file);
  }
  return [...files];
}

/**
 * Whether `b` was taken after `a` in the same process. V8 numbers JS objects (odd ids) in
 * the order it first sees them, so in a true series every object new in `b` has an id above
 * all of `a`'s. Snapshots of another process, or given out of order, break that.
 */
function followsInTime(a: SnapshotDigest, b: SnapshotDigest): boolean {
  let newest = 0;
  for (let k = a.ids.length - 1; k >= 0; k--) {
    if (a.ids[k] % 2 === 1) {
      newest = a.ids[k];
      break;
    }
  }
  let fresh = 0;
  let older = 0;
  forEachNew(a, b, (k) => {
    if (b.ids[k] % 2 === 0) return;
    fresh++;
    if (b.ids[k] < newest) older++;
  });
  return fresh < 10 || older <= fresh / 2;
}

function verdictOf(snapshots: number, suspects: number): { verdict: Verdict; reason: string } {
  if (snapshots < 2) return { verdict: 'inconclusive', reason: 'one snapshot shows what is held, not what grows: take another snapshot later' };
  if (snapshots === 2) {
    return suspects > 0
      ? { verdict: 'inconclusive', reason: `${suspects} object(s) grew between the two snapshots: take a third to see whether they keep growing` }
      : { verdict: 'no-leak', reason: 'nothing grew between the two snapshots' };
  }
  return suspects > 0
    ? { verdict: 'leak', reason: `${suspects} object(s) grew in every one of the ${snapshots - 1} intervals` }
    : { verdict: 'no-leak', reason: `nothing grew steadily over ${snapshots} snapshots` };
}

/** Calls `visit` with the position in `b` of every id that `a` did not have. Both id lists are ascending. */
function forEachNew(a: SnapshotDigest, b: SnapshotDigest, visit: (k: number) => void): void {
  let i = 0;
  for (let k = 0; k < b.ids.length; k++) {
    const id = b.ids[k];
    while (i < a.ids.length && a.ids[i] < id) i++;
    if (i >= a.ids.length || a.ids[i] !== id) visit(k);
  }
}

/** The objects new in `b` (not in `a`): how many, their bytes, and how many the newest snapshot still has. */
function newSince(a: SnapshotDigest, b: SnapshotDigest, last: SnapshotDigest): { newObjects: number; newBytes: number; newStillAlive: number } {
  let newObjects = 0;
  let newBytes = 0;
  let newStillAlive = 0;
  const inLast = idCursor(last.ids);
  forEachNew(a, b, (k) => {
    newObjects++;
    newBytes += b.shallowById[k];
    if (inLast(b.ids[k]) >= 0) newStillAlive++;
  });
  return { newObjects, newBytes, newStillAlive };
}
