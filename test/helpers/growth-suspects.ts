// Hand-made growth suspects with growth sites, and the program they point into, for the
// views' unit tests: what a user sees, without running the engine.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalysisReport, GrowthSite, SourceRef, StackFrame, Suspect } from '../../src/analysis/report.ts';

export const MB = 1024 * 1024;

/**
 * A Map cache whose `handleRequest` (lines 5–27) is long enough to be clipped: the Map is
 * declared on line 3, an entry is added on line 25, the timer's callback starts on line 29.
 */
export const MAP_CACHE_SOURCE = [
  "'use strict';",
  '',
  'const sessions = new Map();',
  '',
  'function handleRequest(id) {',
  '  const session = { id, user: `user-${id}` };',
  ...Array.from({ length: 18 }, (_, k) => `  step(${k + 7});`),
  '  sessions.set(`session-${id}`, session);',
  '  return session.user;',
  '}',
  '',
  'setInterval(() => {',
  '  for (let i = 0; i < 100; i++) handleRequest(i);',
  '}, 50);',
].join('\n');

/** Writes the Map cache into `dir`; returns its path. */
export function writeMapCache(dir: string): string {
  const file = join(dir, 'map-cache.js');
  writeFileSync(file, MAP_CACHE_SOURCE);
  return file;
}

export function at(file: string, line: number, column = 1): SourceRef {
  return { file, line, column, url: `file://${file}` };
}

function frame(ref: SourceRef, functionName: string, own = true): StackFrame {
  return { ...ref, functionName, own };
}

/** `sessions.set(…)` on line 25: exact, from allocation stacks, +37 MB and +30,700 entries. */
export function setSite(file: string, overrides: Partial<GrowthSite> = {}): GrowthSite {
  return {
    ...at(file, 25, 3),
    functionName: 'handleRequest',
    code: 'sessions.set(`session-${id}`, session);',
    exact: true,
    bytes: 37 * MB,
    count: 30_700,
    stack: [
      frame(at(file, 5, 22), 'handleRequest'),
      frame(at(file, 29, 13), ''),
      frame({ file: 'node:internal/timers', line: 581, column: 17, url: 'node:internal/timers' }, 'listOnTimeout', false),
    ],
    evidence: 'allocation-stack',
    functionLines: { start: 5, end: 27 },
    ...overrides,
  };
}

/** Only the function is known (V8 records functions): the timer's callback, from the line it starts on. */
export function inexactSite(file: string): GrowthSite {
  return setSite(file, {
    ...at(file, 29, 13),
    functionName: 'tick',
    code: 'setInterval(() => {',
    exact: false,
    bytes: 2 * MB,
    count: 1_500,
    stack: [frame(at(file, 29, 13), 'tick')],
    functionLines: { start: 29, end: 31 },
  });
}

/** Found in the source: a statement that writes into `sessions`; no bytes, no stack. */
export function staticSite(file: string, overrides: Partial<GrowthSite> = {}): GrowthSite {
  return setSite(file, { bytes: null, count: null, stack: [], evidence: 'static', ...overrides });
}

/** The Map `sessions` of the Map cache, growing; its sites as given. */
export function mapSuspect(file: string, overrides: Partial<Suspect> = {}): Suspect {
  return {
    kind: 'collection',
    title: 'Map `sessions` keeps growing',
    nodeId: 4242,
    className: 'Map',
    retainedBytes: 48 * MB,
    growthBytes: 39 * MB,
    count: 40_000,
    countGrowth: 32_200,
    externalBytes: null,
    series: [{ retainedBytes: 9 * MB, count: 7_800 }, { retainedBytes: 28 * MB, count: 24_000 }, { retainedBytes: 48 * MB, count: 40_000 }],
    heldBy: 'sessions',
    location: at(file, 3, 7),
    allocatedIn: null,
    retainerPath: ['(module map-cache.js) sessions', 'Map'],
    retainerLocations: [at(file, 3, 7), null],
    hint: 'Bound it: evict old entries, or delete them when a session ends.',
    growthSites: [setSite(file), inexactSite(file)],
    growthSitesNote: null,
    inside: null,
    ...overrides,
  };
}

/** A report whose verdict is a leak, of `suspects` and nothing else unless given. */
export function leakReport(suspects: Suspect[], overrides: Partial<AnalysisReport> = {}): AnalysisReport {
  return {
    version: 1,
    verdict: 'leak',
    verdictReason: '1 object(s) grew in every one of the 2 intervals',
    snapshots: [],
    top: [],
    largest: [],
    classDeltas: [],
    suspects,
    groups: [],
    notes: [],
    ...overrides,
  };
}
