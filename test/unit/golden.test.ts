// Golden tests: the text and HTML reports of one fixed series of snapshots, compared whole
// with the files in test/golden/, so that a change to their wording or numbers shows in
// review. LEAKSCOPE_UPDATE_GOLDEN=1 rewrites the files instead of comparing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSnapshots } from '../../src/analysis/analyze.ts';
import type { AnalysisReport, MemorySample, RunReport } from '../../src/analysis/report.ts';
import { memoryFindings, reportedTrends, runVerdict } from '../../src/analysis/verdict.ts';
import { formatHtmlReport } from '../../src/cli/html-report.ts';
import { formatTextReport } from '../../src/cli/text-report.ts';
import { buildSnapshot, TestNode } from '../helpers/snapshot-builder.ts';
import { ROOT, scratch } from '../helpers/paths.ts';

const GOLDEN = join(ROOT, 'test/golden');
/** The program the heap points into; reports show its places relative to this folder. */
const PROGRAM = join(GOLDEN, 'sessions.js');
const UPDATE = process.env.LEAKSCOPE_UPDATE_GOLDEN === '1';

function matchesGolden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (UPDATE) writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from test/golden/${name}: if the change is meant, run with LEAKSCOPE_UPDATE_GOLDEN=1 and review the diff`);
}

// sessions.js under allocation tracking: every 500 ms a batch of 100 sessions goes into the
// Map `sessions` (made in handleRequest, called from the timer's callback) and one request
// object replaces `pending`. Snapshot k is taken after 3k batches.
const BATCH = 100;
const BATCH_MS = 500;
const BATCHES_PER_SNAPSHOT = 3;

const traces = {
  functions: [
    { name: 'listOnTimeout', script: 'node:internal/timers', scriptId: 9, line: 581, column: 17 },
    { name: '', script: PROGRAM, scriptId: 1, line: 13, column: 13 },
    { name: 'handleRequest', script: PROGRAM, scriptId: 1, line: 6, column: 23 },
  ],
  tree: [{ id: 1, fn: 0, children: [{ id: 2, fn: 1, children: [{ id: 3, fn: 2 }] }] }],
};
const [IN_CALLBACK, IN_HANDLE_REQUEST] = [2, 3];

/** The heap after `batches` batches; V8's ids go up by 2 for every object allocated, as JS objects' do. */
function sessionsHeap(batches: number): string {
  const nodes: TestNode[] = [
    { type: 'synthetic', name: '', edges: [{ type: 'shortcut', name: 'global', to: 1 }] },
    { name: 'global', self: 24, edges: [{ name: 'handleRequest', to: 2 }] },
    { type: 'closure', name: 'handleRequest', self: 32, edges: [{ type: 'internal', name: 'context', to: 3 }] },
    { type: 'object', name: 'system / Context', self: 48, edges: [{ type: 'context', name: 'sessions', to: 4 }, { type: 'context', name: 'pending', to: 7 }, { type: 'internal', name: 'previous', to: 5 }] },
    { name: 'Map', self: 32, edges: [{ type: 'internal', name: 'table', to: 6 }] },
    { type: 'hidden', name: 'system / NativeContext', self: 400 },
    { type: 'array', name: '', self: 16 + 24 * BATCH * batches, edges: [] },
    { name: 'Object', self: 64, trace: IN_CALLBACK },
    { type: 'hidden', name: PROGRAM, self: 80 },
  ];
  nodes.forEach((node, k) => (node.id = 2 * k + 1));
  let id = 2 * nodes.length + 1;
  const samples: Array<[number, number]> = [[0, id - 2]];
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < BATCH; i++) {
      const n = b * BATCH + i;
      const [key, session, user] = [nodes.length, nodes.length + 1, nodes.length + 2];
      nodes[6].edges!.push({ type: 'internal', name: 3 + 3 * n, to: key }, { type: 'internal', name: 4 + 3 * n, to: session });
      nodes.push(
        { type: 'string', name: `session-${n}`, id, self: 32, trace: IN_HANDLE_REQUEST },
        { name: 'Object', id: id + 2, self: 200, trace: IN_HANDLE_REQUEST, edges: [{ name: 'user', to: user }] },
        { type: 'string', name: `user-${n}`, id: id + 4, self: 32, trace: IN_HANDLE_REQUEST },
      );
      id += 6;
    }
    // The batch's request object: the newest one is `pending`, the ones before it were freed.
    nodes[7].id = id;
    id += 2;
    samples.push([(b + 1) * BATCH_MS * 1000, id - 2]);
  }
  return buildSnapshot(nodes, { locations: [[2, 1, 5, 0]], scriptObjects: [8], samples, traces });
}

/** The analysis of the first `count` snapshots, 5 rows a table. */
async function sessionsReport(count = 3): Promise<AnalysisReport> {
  const dir = scratch('golden');
  const files = Array.from({ length: count }, (_, k) => {
    const file = join(dir, `${k + 1}.heapsnapshot`);
    writeFileSync(file, sessionsHeap((k + 1) * BATCHES_PER_SNAPSHOT));
    return file;
  });
  const report = await analyzeSnapshots(files, { top: 5 });
  // The heap names the program by its path, as long as the checkout's: count the files as if it were this one.
  const lengthFixed = Buffer.byteLength(PROGRAM) - Buffer.byteLength('/srv/app/sessions.js');
  return { ...report, snapshots: report.snapshots.map((s) => ({ ...s, fileBytes: s.fileBytes - lengthFixed })) };
}

test('the text report of one snapshot', async () => {
  matchesGolden('analyze-one.txt', formatTextReport(await sessionsReport(1), GOLDEN));
});

test('the text report of three snapshots', async () => {
  matchesGolden('analyze.txt', formatTextReport(await sessionsReport(), GOLDEN));
});

/** 5 s of readings every 250 ms, a full GC before every fourth: the heap climbs 40 KB/s after GC. */
function readings(): MemorySample[] {
  return Array.from({ length: 21 }, (_, k) => ({
    timeMs: k * 250,
    heapUsed: 4_000_000 + k * 10_000 + (k % 4 === 3 ? 0 : 150_000),
    heapTotal: 6_000_000 + k * 12_000,
    rss: 40_000_000 + k * 25_000,
    external: 1_200_000,
    arrayBuffers: 20_000,
    afterGc: k % 4 === 3,
  }));
}

test('the HTML report of a run', async () => {
  const analysis = await sessionsReport();
  const samples = readings();
  // As `leakscope run` puts them together: the verdict weighs the snapshots and memory after GC.
  const memory = memoryFindings(samples, 1_000);
  const { verdict, reason, notes } = runVerdict(analysis, memory);
  const report: RunReport = {
    ...analysis,
    verdict,
    verdictReason: reason,
    run: {
      script: PROGRAM,
      args: ['--port', '8080'],
      durationMs: 5_000,
      snapshotTimesMs: [1_600, 3_100, 4_600],
      timings: [
        { captureMs: 120, toSuspectsMs: 40 },
        { captureMs: 130, toSuspectsMs: 45 },
        { captureMs: 150, toSuspectsMs: 50 },
      ],
      exitedEarly: null,
    },
    samples,
    allocationSites: [{ functionName: 'handleRequest', file: PROGRAM, line: 6, column: 23, url: `file://${PROGRAM}`, allocBytesPerSec: 61_440, inuseBytesPerSec: 56_000 }],
    asyncResources: { active: { Timeout: 1 }, groups: [] },
    memory: reportedTrends(memory),
    notes,
  };
  // The style sheet is not what the page says, and would make the file twice as long.
  matchesGolden('run.html', formatHtmlReport(report, GOLDEN).replace(/<style>[^<]*<\/style>/, '<style>…</style>'));
});
