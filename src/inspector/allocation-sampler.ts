import type { Protocol } from 'devtools-protocol';
import { fileURLToPath } from 'node:url';
import type { AllocationSite } from '../analysis/report.ts';
import { InspectorSession } from './session.ts';

/** Samples per second to aim for: enough for a profile, few enough to cost the program little. */
const TARGET_SAMPLES_PER_SEC = 500;
const MIN_INTERVAL = 16 * 1024;
const MAX_INTERVAL = 4 * 1024 * 1024;

/** One bucket of bytes per allocating function. */
type Totals = Map<string, { frame: Protocol.Runtime.CallFrame; bytes: number }>;

/** What one sampling window saw: bytes by allocating function, over how many seconds. */
export interface SamplingWindow {
  totals: Totals;
  seconds: number;
}

/** `madeUpTo`: count only the samples of allocations up to this ordinal (V8 numbers them in time order). */
export function samplingWindow(profile: Protocol.HeapProfiler.SamplingHeapProfile, seconds: number, madeUpTo = Infinity): SamplingWindow {
  return { totals: totalsByFunction(profile, madeUpTo), seconds: Math.max(0.001, seconds) };
}

/** The newest sample's ordinal; -1 if none. */
function lastOrdinal(profile: Protocol.HeapProfiler.SamplingHeapProfile): number {
  let last = -1;
  for (const sample of profile.samples) last = Math.max(last, sample.ordinal);
  return last;
}

/** Per profile node, the share of its samples made up to `madeUpTo` (nodes with all of them are left out). */
function sharesMadeUpTo(profile: Protocol.HeapProfiler.SamplingHeapProfile, madeUpTo: number): Map<number, number> {
  const all = new Map<number, number>();
  const kept = new Map<number, number>();
  for (const { nodeId, size, ordinal } of profile.samples) {
    all.set(nodeId, (all.get(nodeId) ?? 0) + size);
    if (ordinal <= madeUpTo) kept.set(nodeId, (kept.get(nodeId) ?? 0) + size);
  }
  const shares = new Map<number, number>();
  for (const [nodeId, bytes] of all) {
    const share = (kept.get(nodeId) ?? 0) / bytes;
    if (share < 1) shares.set(nodeId, share);
  }
  return shares;
}

/** Code of the program's own (its dependencies included): not Node's, not V8's builtins. */
function isProgramFrame(frame: Protocol.Runtime.CallFrame): boolean {
  return frame.url !== '' && !frame.url.startsWith('node:');
}

/**
 * Sums a sampling profile's self sizes by the program's function that allocated them: bytes
 * allocated inside Node's code or V8's builtins count for the program's function that called
 * them (`Buffer.alloc` in `record()` is `record()`'s). Which of those frames V8 shows differs
 * between versions (what gets inlined), so a program's sites would otherwise come and go.
 */
function totalsByFunction(profile: Protocol.HeapProfiler.SamplingHeapProfile, madeUpTo: number): Totals {
  const totals: Totals = new Map();
  const shares = madeUpTo === Infinity ? null : sharesMadeUpTo(profile, madeUpTo);
  const stack: { node: Protocol.HeapProfiler.SamplingHeapProfileNode; caller: Protocol.Runtime.CallFrame | null }[] = [{ node: profile.head, caller: null }];
  while (stack.length) {
    const { node, caller } = stack.pop()!;
    const frame = isProgramFrame(node.callFrame) ? node.callFrame : caller;
    for (const child of node.children) stack.push({ node: child, caller: frame });
    const bytes = node.selfSize * (shares?.get(node.id) ?? 1);
    if (bytes === 0 || !frame) continue;
    const { url, lineNumber, columnNumber, functionName } = frame;
    const key = `${url}:${lineNumber}:${columnNumber}:${functionName}`;
    const entry = totals.get(key);
    if (entry) entry.bytes += bytes;
    else totals.set(key, { frame, bytes });
  }
  return totals;
}

/**
 * V8's sampling heap profiler, in two windows: one counting everything allocated
 * (`includeObjectsCollectedBy…GC`), then one counting only what is still alive at its end.
 * A function that allocates a lot and keeps nothing shows in the first only; one that leaks
 * shows in both. V8 cannot count both ways at once, hence two windows.
 */
export class AllocationSampler {
  private running: 'alloc' | 'inuse' | null = null;
  private startedAt = 0;
  private alloc: SamplingWindow | null = null;
  private inuse: SamplingWindow | null = null;

  /** Bytes between samples; chosen from the program's allocation rate unless given. */
  constructor(
    private readonly session: InspectorSession,
    private samplingInterval: number | null = null,
  ) {}

  /** Samples in `mode` from now on; a window already sampling that way just goes on. */
  async start(mode: 'alloc' | 'inuse'): Promise<void> {
    if (this.running === mode) return;
    await this.stop();
    const everything = mode === 'alloc';
    await this.session.send('HeapProfiler.enable');
    this.samplingInterval ??= await this.calibrate();
    await this.session.send('HeapProfiler.startSampling', {
      samplingInterval: this.samplingInterval,
      includeObjectsCollectedByMajorGC: everything,
      includeObjectsCollectedByMinorGC: everything,
    });
    this.running = mode;
    this.startedAt = Date.now();
  }

  /**
   * A sample costs the program the same whatever its size, so the interval follows the
   * allocation rate: a program allocating 2 GB/s sampled every 16 KB slows down by half
   * (measured here). Half a second at a coarse interval tells the rate.
   */
  private async calibrate(): Promise<number> {
    const coarse = 1024 * 1024;
    await this.session.send('HeapProfiler.startSampling', {
      samplingInterval: coarse,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { profile } = await this.session.send('HeapProfiler.stopSampling');
    const bytesPerSec = (profile.samples.length * coarse) / Math.max(0.1, (Date.now() - started) / 1000);
    const wanted = bytesPerSec / TARGET_SAMPLES_PER_SEC;
    return Math.min(MAX_INTERVAL, Math.max(MIN_INTERVAL, 2 ** Math.round(Math.log2(Math.max(1, wanted)))));
  }

  /** Stops sampling (if it runs) and keeps the window's totals. Never leaves the target sampling. */
  async stop(): Promise<void> {
    const mode = this.running;
    if (!mode) return;
    this.running = null;
    if (this.session.isClosed) return;
    // "Still alive" must not count garbage that simply wasn't collected yet, nor what the
    // program made after the collection (it runs between two commands): only samples older
    // than the collection are judged.
    let madeUpTo = Infinity;
    if (mode === 'inuse') {
      madeUpTo = lastOrdinal((await this.session.send('HeapProfiler.getSamplingProfile')).profile);
      await this.session.send('HeapProfiler.collectGarbage');
    }
    const { profile } = await this.session.send('HeapProfiler.stopSampling');
    const window = samplingWindow(profile, (Date.now() - this.startedAt) / 1000, madeUpTo);
    if (mode === 'alloc') this.alloc = window;
    else this.inuse = window;
  }

  /** Someone else stopped V8's sampling (a debugger disabled the HeapProfiler): the window is lost. */
  forget(): void {
    this.running = null;
  }

  /** Sites of the program's own code (not Node's), most memory kept first. */
  sites(limit: number): AllocationSite[] {
    return mergeWindows(this.alloc, this.inuse).slice(0, limit);
  }
}

/**
 * The program's own allocation sites (not Node's) with the rates of both windows: bytes
 * allocated per second from the window that counts everything, bytes kept per second from
 * the one that counts what stays alive. Most memory kept first.
 */
export function mergeWindows(alloc: SamplingWindow | null, inuse: SamplingWindow | null): AllocationSite[] {
  const sites = new Map<string, AllocationSite>();
  const add = (window: SamplingWindow | null, field: 'allocBytesPerSec' | 'inuseBytesPerSec') => {
    for (const [key, { frame, bytes }] of window?.totals ?? []) {
      let site = sites.get(key);
      if (!site) {
        site = {
          functionName: frame.functionName || '(anonymous)',
          url: frame.url,
          file: frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url,
          line: frame.lineNumber + 1,
          column: frame.columnNumber + 1,
          allocBytesPerSec: 0,
          inuseBytesPerSec: 0,
        };
        sites.set(key, site);
      }
      site[field] += bytes / window!.seconds;
    }
  };
  add(alloc, 'allocBytesPerSec');
  add(inuse, 'inuseBytesPerSec');
  for (const site of sites.values()) {
    // Whatever was kept was allocated. A kept rate above the allocated one only means the
    // windows differed (other times, other work, few samples): never show a contradiction.
    site.allocBytesPerSec = Math.max(site.allocBytesPerSec, site.inuseBytesPerSec);
  }
  return [...sites.values()].sort((a, b) => b.inuseBytesPerSec - a.inuseBytesPerSec || b.allocBytesPerSec - a.allocBytesPerSec);
}
