// Source excerpts in the style of pprof's `list`: the lines of a function with the bytes
// added at each line in a margin, so the statement that feeds a leak stands out.
import type { GrowthSite, SourceRef, Suspect } from '../analysis/report.ts';
import type { SourceFiles } from '../analysis/source.ts';
import { functionText } from './sites.ts';
import { formatFile } from './places.ts';
import { formatBytes } from './units.ts';

/** A line of an excerpt. */
export interface ListedLine {
  /** 1-based. */
  line: number;
  text: string;
  /** Bytes added at this line; null where nothing was measured. */
  bytes: number | null;
  /** A line the excerpt is about: a growth site, or the suspect's own line. */
  marked: boolean;
}

/** An excerpt, top to bottom; null stands for lines left out. */
export type Listing = Array<ListedLine | null>;

/** A function longer than this is clipped to the lines around its sites. */
const LISTED_LINES = 12;
/** Lines kept on each side of a site in a clipped function. */
const SITE_CONTEXT = 5;
const LINE_WIDTH = 120;

/** The margin of a line: the bytes added there, an arrow at a marked line without bytes, blank elsewhere. */
export function marginText(l: ListedLine): string {
  return l.bytes !== null ? formatBytes(l.bytes) : l.marked ? '→' : '';
}

function listLines(file: string, range: { start: number; end: number }, marks: Map<number, number | null>, sources: SourceFiles): Listing | null {
  const lines = sources.read(file);
  if (!lines) return null;
  const start = Math.max(1, range.start);
  const end = Math.min(lines.length, range.end);
  const shown = (k: number) =>
    end - start < LISTED_LINES || k === start || [...marks.keys()].some((m) => Math.abs(k - m) <= SITE_CONTEXT);
  const out: Listing = [];
  for (let k = start; k <= end; k++) {
    if (!shown(k)) {
      if (out[out.length - 1] !== null) out.push(null);
      continue;
    }
    const bytes = marks.get(k);
    out.push({ line: k, text: lines[k - 1].trimEnd().slice(0, LINE_WIDTH), bytes: bytes ?? null, marked: bytes !== undefined });
  }
  return out;
}

/** The line `ref` points at, marked, and two lines around it. */
export function excerptAround(ref: SourceRef, sources: SourceFiles): Listing | null {
  return listLines(ref.file, { start: ref.line - 2, end: ref.line + 2 }, new Map([[ref.line, null]]), sources);
}

/**
 * pprof's `list` for the function of a suspect's top growth site: its lines (clipped around
 * the sites when it is long), with the bytes its sites added at each line; static sites,
 * which have no bytes, get an arrow. Null without sites or without the source.
 */
export function listTopSite(s: Suspect, sources: SourceFiles): Listing | null {
  const top = s.growthSites[0];
  if (!top) return null;
  const range = top.functionLines ?? { start: top.line - 2, end: top.line + 2 };
  const marks = new Map<number, number | null>();
  for (const site of s.growthSites) {
    if (site.file !== top.file || site.line < range.start || site.line > range.end) continue;
    const before = marks.get(site.line) ?? null;
    marks.set(site.line, site.bytes === null ? before : (before ?? 0) + site.bytes);
  }
  return listLines(top.file, range, marks, sources);
}

/** What a site's listing shows, and what its margin means when it has bytes. */
export function listingTitle(top: GrowthSite, listing: Listing, root: string): string {
  const bytes = listing.some((l) => l !== null && l.bytes !== null);
  return `${functionText(top.functionName)} in ${formatFile(top.file, root)}${bytes ? ' — bytes added per line in the last interval, still alive' : ''}`;
}
