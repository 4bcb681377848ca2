import { closeSync, existsSync, fchmodSync, mkdtempSync, openSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AnalysisClient } from '../analysis/client.ts';
import { errorKind, errorMessage, LeakscopeError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import type { AllocationSite, AnalysisReport, MemorySample, RunReport } from '../analysis/report.ts';
import { formatBytes, formatTrend } from '../present/units.ts';
import { formatPlace } from '../present/places.ts';
import { SourceMaps } from '../analysis/source-maps.ts';
import { memoryFindings, reportedTrends, runVerdict } from '../analysis/verdict.ts';
import { AsyncDump, AsyncGroup, frameLocation } from '../inspector/async-tracker.ts';
import { resolveInspectorUrl } from '../inspector/endpoint.ts';
import { describeExit, ExitStatus, launchInspected, LaunchedProgram } from '../inspector/launch.ts';
import { TRACK_PROMISES_ENV } from '../inspector/async-tracker.ts';
import { snapshotShortfallNow } from '../inspector/headroom.ts';
import { LiveTarget } from '../inspector/live-target.ts';
import { nearHeapLimitFlags, takeNearHeapLimitSnapshot } from '../inspector/near-heap-limit.ts';
import { InspectorSession } from '../inspector/session.ts';
import { prepareSnapshotFolder, protectionNotice } from '../inspector/snapshot-folder.ts';
import { LiveSession } from '../live/live-session.ts';
import { LiveAnalysis } from './live-analysis.ts';
import { ProgressBar } from './progress.ts';

/** What `run` and `attach` share: how long to watch, how many snapshots, where they go. */
export interface WatchOptions {
  durationMs: number;
  snapshots: number;
  intervalMs: number;
  outDir: string | null;
  top: number;
  memoryBudgetMb?: number;
  workerPath: string;
  logger: Logger;
  signal: AbortSignal;
  /** Record every object's allocation stack, so snapshots say which function made what grows. */
  trackAllocations: boolean;
  /** The async tracker follows promises too (the costly part for a program that awaits a lot). */
  trackPromises: boolean;
  /** Skip a snapshot that would not fit in the memory the program can still get (see headroom.ts). */
  memoryCheck: boolean;
  /** A full GC this often for a post-GC reading; by default a twentieth of the watch. */
  gcEveryMs?: number;
}

export interface RunOptions extends WatchOptions {
  script: string;
  args: string[];
  /** The async-resource tracker, preloaded so it sees every resource from the start. */
  asyncPreloadPath: string;
  /** The node binary that runs the program (default: the one running Leakscope). */
  node?: string;
}

export function note(message: string): void {
  process.stderr.write(`leakscope: ${message}\n`);
}

/** When a watch takes its snapshots: at set times (run, attach), or when memory says so (watch). */
export interface Schedule {
  /** Readings before this are start-up, not a trend. */
  warmupMs: number;
  /** Waits until the next snapshot is due: its label, or null when the watch is over. */
  next(taken: number): Promise<string | null>;
  /** After each snapshot: whether the watch has what it came for. */
  enough(analysis: LiveAnalysis, live: LiveSession): Promise<boolean>;
  /** Snapshots kept on disk: the first, and the newest up to this many in all. */
  keep: number;
}

/** Snapshots spread over the watch, the first after the warm-up. */
function spread(options: WatchOptions, live: LiveSession, warmupMs: number, gone: Promise<unknown>): Schedule {
  return {
    warmupMs,
    keep: Infinity,
    async next(taken) {
      if (taken >= options.snapshots) return null;
      const due = warmupMs + (taken * (options.durationMs - warmupMs)) / Math.max(1, options.snapshots - 1);
      await Promise.race([sleep(Math.max(0, due - live.target.now()), undefined, { signal: options.signal }), gone]);
      return `snapshot ${taken + 1}/${options.snapshots}`;
    },
    enough: async () => false,
  };
}

export type ScheduleFor = (live: LiveSession, gone: Promise<unknown>) => Schedule;

interface Observation {
  files: string[];
  times: number[];
  analysis: LiveAnalysis;
  samples: MemorySample[];
  sites: AllocationSite[];
  /** One dump of async resources per snapshot. */
  dumps: AsyncDump[];
  /** Why snapshots were skipped, one line each. */
  skipped: string[];
  /** What turned itself off during the watch, one line each. */
  turnedOff: string[];
  /** The snapshot V8 wrote when the program's heap neared its limit. */
  nearHeapLimit: string | null;
  /** When the watch's clock started (Date.now() then): to place a file written without us in time. */
  clockOriginMs: number;
  /** Snapshots left out because they could not be read, one line each. */
  unreadable: string[];
  warmupMs: number;
  durationMs: number;
}

/**
 * The watch of `run` and `attach`: memory read all along, with a full GC now and then for
 * post-GC points; allocation sampling from the first snapshot on, counting everything
 * allocated up to the middle snapshot, then only what is kept up to the last.
 */
function watchTarget(session: InspectorSession, options: WatchOptions, launched: boolean): LiveTarget {
  const keptFrom = Math.floor(options.snapshots / 2);
  return new LiveTarget(session, {
    pollIntervalMs: options.intervalMs,
    gcEveryMs: options.gcEveryMs ?? Math.max(1000, options.durationMs / 20),
    samplingIntervalBytes: 0,
    allocationMode: (captures) => (captures === 0 || captures >= options.snapshots ? null : captures - 1 >= keptFrom ? 'inuse' : 'alloc'),
    // A launched program has the tracker preloaded, and tracks allocations since its start.
    asyncTracking: !launched,
    trackPromises: options.trackPromises,
    trackAllocations: options.trackAllocations && (launched ? 'since-launch' : true),
    logger: options.logger,
  });
}

/**
 * Takes snapshots as `schedule` says, with a dump of async resources after each. Stops early,
 * keeping what it has, when the program ends.
 */
async function observe(live: LiveSession, analysis: LiveAnalysis, options: WatchOptions, outDir: string, schedule: Schedule, ended: () => boolean): Promise<Observation> {
  const dumps = new Map<string, AsyncDump>();
  const skipped: string[] = [];
  await live.start();
  for (const line of live.target.notes) note(line);
  // The tracker's own records grow the program's rss: the report's rss trend then says little.
  if (options.trackAllocations && !live.target.notes.some((line) => line.startsWith('allocation tracking'))) {
    note('allocation tracking is on: the program runs several times slower, and its rss grows with the records kept');
  }
  try {
    for (let k = 0; !ended(); k++) {
      const label = await schedule.next(k);
      if (label === null || ended()) break;
      const shortfall = options.memoryCheck ? await snapshotShortfallNow(live.target.session, 'the program') : null;
      if (shortfall) {
        skipped.push(`${label} skipped: ${shortfall}`);
        note(`${skipped.at(-1)} (--no-memory-check takes it anyway)`);
        continue;
      }
      note(`${label}…`);
      let file: string;
      try {
        ({ file } = await analysis.capture(live, join(outDir, `${k + 1}.heapsnapshot`), schedule.keep));
      } catch (error) {
        // The program ending mid-capture (its own crash, the OOM killer) ends the watch.
        if (ended() || errorKind(error) === 'disconnected') break;
        throw error;
      }
      // Kept here, by snapshot, not in the session's list of dumps: those of snapshots the
      // disk budget lets go must go with them on a watch of hours.
      const dump = await live.target.dumpAsync().catch((error: unknown) => {
        options.logger.warn(`could not list async resources after snapshot ${k + 1}`, error);
        return null;
      });
      if (dump) dumps.set(file, dump);
      for (const kept of dumps.keys()) if (!live.snapshots.some((s) => s.file === kept)) dumps.delete(kept);
      if (await schedule.enough(analysis, live)) break;
    }
  } finally {
    await live.target.stop();
  }
  if (live.snapshots.length) note(`snapshots in ${outDir}; analysing…`);
  const { target } = live;
  return {
    files: live.snapshots.map((s) => s.file),
    times: live.snapshots.map((s) => s.timeMs),
    analysis,
    dumps: live.snapshots.flatMap((s) => dumps.get(s.file) ?? []),
    skipped,
    turnedOff: target.notes,
    nearHeapLimit: null,
    clockOriginMs: Date.now() - target.now(),
    unreadable: [],
    samples: target.memory.samples,
    sites: target.allocationSites(options.top),
    warmupMs: schedule.warmupMs,
    durationMs: target.now(),
  };
}

function nearHeapLimitNote(observation: Observation): string[] {
  if (observation.nearHeapLimit) return [`the program neared its heap limit: ${basename(observation.nearHeapLimit)} is the snapshot V8 wrote then, in its place in time`];
  return observation.unreadable;
}

const NOTHING_SNAPSHOTTED: AnalysisReport = {
  version: 1,
  verdict: 'no-leak',
  verdictReason: 'memory never climbed enough to take a snapshot',
  snapshots: [],
  top: [],
  largest: [],
  classDeltas: [],
  suspects: [],
  groups: [],
  notes: [],
};

/** The folder the snapshots go to, made and kept out of git (said once). */
async function snapshotFolder(options: WatchOptions): Promise<string> {
  const outDir = options.outDir ? resolve(options.outDir) : mkdtempSync(join(tmpdir(), 'leakscope-run-'));
  const notice = protectionNotice(outDir, await prepareSnapshotFolder(outDir));
  if (notice) note(notice);
  return outDir;
}

/** Async resources per (type, creation stack) across the dumps, most numerous now first. */
function asyncGroups(dumps: AsyncDump[], maps: SourceMaps): RunReport['asyncResources'] {
  const last = dumps[dumps.length - 1];
  const key = (g: AsyncGroup) => `${g.type}\n${g.frames.join('\n')}`;
  const groups = (last?.groups ?? []).map((group) => {
    const at = group.frames.map(frameLocation).find((l) => l !== null && !l.file.startsWith('node:')) ?? null;
    const location = at ? maps.resolveFrame(at) : null;
    const counts = dumps.map((d) => d.groups?.find((g) => key(g) === key(group))?.count ?? 0);
    return { type: group.type, frames: group.frames, location, counts };
  });
  return { active: last?.active ?? {}, groups };
}

function analysisClient(options: WatchOptions): AnalysisClient {
  return new AnalysisClient({ workerPath: options.workerPath, memoryBudgetMb: options.memoryBudgetMb, logger: options.logger });
}

/** Waits for the analysis of a watch's snapshots and weighs it with the watch's memory readings. */
async function analyzeWatch(observation: Observation, run: Omit<RunReport['run'], 'durationMs' | 'snapshotTimesMs' | 'timings'>, logger: Logger): Promise<RunReport> {
  const progress = new ProgressBar();
  const maps = new SourceMaps(logger);
  try {
    // A watch whose program's memory stayed flat took no snapshot: its readings are the report.
    const report = observation.files.length ? await observation.analysis.report((p) => progress.update(p)) : NOTHING_SNAPSHOTTED;
    progress.done();
    const memory = memoryFindings(observation.samples, observation.warmupMs);
    const { verdict, reason, notes } = runVerdict(report, memory);
    const allocationSites = observation.sites.map((site) => maps.resolve(site));
    const asyncResources = asyncGroups(observation.dumps, maps);
    return {
      ...report,
      verdict,
      verdictReason: reason,
      run: { ...run, durationMs: observation.durationMs, snapshotTimesMs: observation.times, timings: observation.analysis.timings },
      samples: observation.samples,
      allocationSites,
      asyncResources,
      memory: reportedTrends(memory),
      notes: [...new Set([...observation.skipped, ...observation.turnedOff, ...nearHeapLimitNote(observation), ...report.notes, ...maps.notes(), ...notes])],
    };
  } finally {
    progress.done();
  }
}

/**
 * `leakscope run`: launch the program under its inspector, let it warm up, watch it, stop
 * it, and analyse the snapshots.
 */
export async function runAndAnalyze(options: RunOptions, scheduleFor?: ScheduleFor): Promise<RunReport> {
  const script = resolve(options.script);
  if (!existsSync(script)) throw new LeakscopeError('input', `${options.script}: no such file`);
  // Tracking from the start sees what start-up allocates, and costs less than through the inspector.
  const tracking = options.trackAllocations ? ['--track-heap-objects'] : [];
  const outDir = await snapshotFolder(options);
  const target = await launchInspected(script, {
    node: options.node,
    args: options.args,
    nodeArgs: [...tracking, ...nearHeapLimitFlags(outDir), '--require', options.asyncPreloadPath],
    env: options.trackPromises ? process.env : { ...process.env, [TRACK_PROMISES_ENV]: '0' },
  });
  let exit: ExitStatus | null = null;
  let ended = false;
  void target.exited.then((status) => {
    exit = status;
    ended = true;
  });
  const session = await connectOrExplain(target, options.script);
  // An exiting program waits for its debugger: let go, so that it can end.
  await session.onProgramEnd(() => {
    ended = true;
    void session.close();
  });
  const client = analysisClient(options);
  let endedItself: boolean;
  try {
    let observation: Observation;
    try {
      const live = new LiveSession('run', options.script, watchTarget(session, options, true), options.logger);
      const gone = Promise.race([target.exited, disconnected(session)]);
      // A quarter of the run (at least a second) to warm up: start-up allocations are not a leak.
      const schedule = scheduleFor?.(live, gone) ?? spread(options, live, Math.max(1000, options.durationMs / 4), gone);
      observation = await observe(live, new LiveAnalysis(client, options.top, options.signal), options, outDir, schedule, () => ended);
    } finally {
      // A program that is ending on its own gets a moment to do so before being stopped: one
      // that exited, or whose inspector went away (a crash can take seconds to end the process).
      const ending = ended || session.isClosed;
      await session.close();
      if (ending) await Promise.race([target.exited, sleep(5000)]);
      endedItself = ended;
      await target.stop();
    }
    addNearHeapLimitSnapshot(observation, outDir, target.child.pid!, options);
    return await finishRun(observation, options, script, exit, endedItself);
  } finally {
    await client.dispose();
  }
}

/**
 * A program whose heap neared its limit had V8 write a snapshot then (Node raises the limit
 * for it, so the crash, if any, comes later): it joins the analysis in its place in time, or
 * is the only one when the program ran out of memory before our first.
 */
function addNearHeapLimitSnapshot(observation: Observation, outDir: string, pid: number, options: RunOptions): void {
  const file = takeNearHeapLimitSnapshot(outDir, pid, 'near-heap-limit.heapsnapshot');
  if (!file) return;
  note(`${options.script} neared its heap limit: V8 wrote a snapshot then, analysed with the others`);
  const timeMs = statSync(file).mtimeMs - observation.clockOriginMs;
  const at = observation.times.filter((t) => t < timeMs).length;
  observation.files.splice(at, 0, file);
  observation.times.splice(at, 0, timeMs);
  observation.nearHeapLimit = file;
  observation.analysis.addWritten(file, at, (error) => {
    options.logger.warn(`${file} could not be read`, error);
    observation.files.splice(at, 1);
    observation.times.splice(at, 1);
    observation.nearHeapLimit = null;
    observation.unreadable.push(`the snapshot V8 wrote near the heap limit could not be read (${errorMessage(error)}): the program was likely killed while writing it`);
  });
}

const ALL_SKIPPED = 'no snapshot was taken: the program could not get the memory for any (--no-memory-check takes them anyway)';

async function finishRun(observation: Observation, options: RunOptions, script: string, exit: ExitStatus | null, ended: boolean): Promise<RunReport> {
  const status = exit;
  const taken = observation.files.length - (observation.nearHeapLimit ? 1 : 0);
  const exitedEarly = ended && taken < options.snapshots ? (status ? describeExit(status) : 'ended') : null;
  if (observation.files.length === 0 && observation.skipped.length) throw new LeakscopeError('input', ALL_SKIPPED);
  if (observation.files.length === 0 && ended) throw new LeakscopeError('disconnected', `${options.script} exited (${status ? describeExit(status) : 'unknown'}) before the first snapshot`);
  if (exitedEarly) note(`${options.script} exited (${exitedEarly}) after ${observation.files.length} snapshot(s); analysing those`);
  return analyzeWatch(observation, { script, args: options.args, exitedEarly }, options.logger);
}

/**
 * `leakscope attach`: the same watch on a process that is already running, which keeps
 * running afterwards with nothing of ours left in it: no sampling, no profiler, no debugger.
 */
export async function attachAndAnalyze(address: string, options: WatchOptions, scheduleFor?: ScheduleFor): Promise<RunReport> {
  const url = await resolveInspectorUrl(address);
  const session = await InspectorSession.connect(url).catch((error: Error) => {
    throw new LeakscopeError('disconnected', `could not connect to ${url}: ${error.message}`, { cause: error });
  });
  let ended = false;
  await session.onProgramEnd(() => {
    ended = true;
    void session.close();
  });
  // Attached late, the trackers see only the resources and allocations from now on.
  const live = new LiveSession('attach', url, watchTarget(session, options, false), options.logger);
  const client = analysisClient(options);
  try {
    let observation: Observation;
    // A process that crashed (out of memory, say) only closes its inspector: that ends it too.
    let endedItself = false;
    try {
      const gone = disconnected(session);
      const schedule = scheduleFor?.(live, gone) ?? spread(options, live, 0, gone);
      observation = await observe(live, new LiveAnalysis(client, options.top, options.signal), options, await snapshotFolder(options), schedule, () => ended || session.isClosed);
      endedItself = ended || session.isClosed;
    } finally {
      await live.end('the watch is over', true);
    }
    if (observation.files.length === 0 && observation.skipped.length) throw new LeakscopeError('input', ALL_SKIPPED);
    if (observation.files.length === 0 && endedItself) throw new LeakscopeError('disconnected', `the process at ${address} ended before the first snapshot`);
    if (endedItself) note(`the process at ${address} ended after ${observation.files.length} snapshot(s); analysing those`);
    return await analyzeWatch(observation, { script: url, args: [], exitedEarly: endedItself ? 'ended' : null }, options.logger);
  } finally {
    await client.dispose();
  }
}

/** Connects to a freshly launched program; one that exits at once gets said as such. */
async function connectOrExplain(target: LaunchedProgram, name: string): Promise<InspectorSession> {
  try {
    return await InspectorSession.connect(target.inspectorUrl);
  } catch (error) {
    const status = await Promise.race([target.exited, sleep(2000).then(() => null)]);
    if (status) throw new LeakscopeError('disconnected', `${name} exited (${describeExit(status)}) before the first snapshot`);
    await target.stop();
    throw new LeakscopeError('disconnected', `could not connect to ${name}'s inspector: ${(error as Error).message}`, { cause: error });
  }
}

function disconnected(session: InspectorSession): Promise<void> {
  return new Promise((resolve) => {
    const off = session.onDisconnect(() => {
      off();
      resolve();
    });
  });
}

/** The memory lines of the text report, after the verdict. */
export function formatMemory(report: RunReport): string {
  const line = (label: string, t: RunReport['memory']['heap']) =>
    `  ${label.padEnd(9)} ${formatBytes(t.levelBytes).padStart(9)}  ${formatTrend(t.slopeBytesPerSec)}${t.grows ? '  ← grows' : ''}`;
  const out = [
    `Memory after GC over ${(report.run.durationMs / 1000).toFixed(0)} s (${report.samples.filter((s) => s.afterGc).length} post-GC readings, ${report.samples.length} in all):`,
    line('heapUsed', report.memory.heap),
    line('external', report.memory.external),
    line('rss', report.memory.rss),
  ];
  const groups = report.asyncResources.groups.filter((g) => g.counts.at(-1)! > 0).slice(0, 8);
  if (groups.length) {
    out.push('', 'Live async resources by where they were created (count at each snapshot):');
    for (const g of groups) {
      const where = g.location ? formatPlace(g.location, process.cwd()) : g.frames[0] ?? 'unknown';
      out.push(`  ${g.counts.join(' → ').padStart(18)}  ${g.type.padEnd(12)} ${where}`);
    }
  }
  if (report.allocationSites.length) {
    out.push('', 'Allocation sites (sampled; kept = still alive at the end of its window):');
    out.push(`${'kept/s'.padStart(10)} ${'allocated/s'.padStart(12)}  function`);
    for (const site of report.allocationSites.slice(0, 10)) {
      const where = formatPlace(site, process.cwd());
      out.push(`${formatBytes(site.inuseBytesPerSec).padStart(10)} ${formatBytes(site.allocBytesPerSec).padStart(12)}  ${site.functionName} (${where})`);
    }
  }
  return out.join('\n') + '\n';
}

export function writeJson(path: string, report: RunReport): void {
  writePrivateFile(path, JSON.stringify(report, null, 2) + '\n');
}

/**
 * Writes a report, mode 0600 as V8 writes snapshots: reports quote the heap's strings (keys,
 * values, paths), secrets included. A file already there is made 0600 before it is written.
 */
export function writePrivateFile(path: string, text: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'w', 0o600);
    fchmodSync(fd, 0o600);
    writeFileSync(fd, text);
  } catch (error) {
    throw new LeakscopeError('input', `could not write ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
