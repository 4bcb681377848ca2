// The analysis result: what `leakscope analyze --json` prints and what the extension shows.
// Documented in the README; keep the two in step.

export type Verdict = 'leak' | 'no-leak' | 'inconclusive';

export type SuspectKind = 'collection' | 'listeners' | 'subtree' | 'timers' | 'async' | 'promises' | 'external';

/** A place in the program's source: 1-based line and column. */
export interface SourceRef {
  file: string;
  line: number;
  column: number;
  url: string;
}

export function sourceRef(loc: { file: string; line: number; column: number; url: string }): SourceRef {
  return { file: loc.file, line: loc.line, column: loc.column, url: loc.url };
}

export interface Suspect {
  kind: SuspectKind;
  title: string;
  /** V8 node id in the newest snapshot (collections and subtrees). */
  nodeId: number | null;
  className: string | null;
  retainedBytes: number;
  growthBytes: number;
  /** Entries (collections, listeners) or objects (timers, async functions, promises) now… */
  count: number | null;
  /** …and how many more than in the first snapshot that had it. */
  countGrowth: number | null;
  /** Memory outside the JS heap (ArrayBuffer backing stores) it holds, when known. */
  externalBytes: number | null;
  /** Per snapshot, oldest first; null where the object did not exist yet. */
  series: Array<{ retainedBytes: number; count: number | null } | null>;
  /** The variable or property that holds it. */
  heldBy: string | null;
  location: SourceRef | null;
  /** The function that allocated it, when the snapshot recorded allocation stacks. */
  allocatedIn: AllocationRef | null;
  /** From a GC root to the suspect, readable: ["(module app.js) sessions", "Map", …]. */
  retainerPath: string[];
  /** The source line each token of `retainerPath` stands for, where the program's own code says. */
  retainerLocations: Array<SourceRef | null>;
  hint: string;
  /** Where the program's own code adds to it, most bytes first (static ones last, in source order). */
  growthSites: GrowthSite[];
  /** Why there is no growth site, or why only static ones, in a sentence; null when there is nothing to say. */
  growthSitesNote: string | null;
  /**
   * When the growing object is made inside a dependency (node_modules) or Node itself, the
   * suspect is presented at the program's binding that holds it (`heldBy`, `location`); this
   * keeps the dependency's own holder and line as a detail.
   */
  inside: { heldBy: string | null; location: SourceRef | null } | null;
}

/** How a growth site was found. */
export type GrowthEvidence = 'allocation-stack' | 'static';

/** A frame of an allocation stack: the function V8 recorded, at the place where it starts. */
export interface StackFrame extends SourceRef {
  functionName: string;
  /** The program's own code: neither a dependency under node_modules nor Node's internals. */
  own: boolean;
}

/**
 * A statement in the program's own code that adds to a growth suspect: with allocation
 * stacks, where the suspect's new, still-alive objects came from; without them, a statement
 * that writes into the binding holding the suspect.
 */
export interface GrowthSite extends SourceRef {
  /** The function the statement is in: its name, `(anonymous)`, or '' at a module's top level. */
  functionName: string;
  /** That source line, trimmed (the program's text: untrusted, like the heap's). */
  code: string;
  /**
   * True when `line` is the statement that stores into the holder (or allocates); false when
   * only the function is known and `line` is where it starts.
   */
  exact: boolean;
  /** The suspect's objects new since the previous snapshot and still alive, added here; null for static sites. */
  bytes: number | null;
  /** Entries (collections) or objects (the rest) among them; null for static sites. */
  count: number | null;
  /** The frames that led here, innermost first, the program's own and the libraries'; empty for static sites. */
  stack: StackFrame[];
  evidence: GrowthEvidence;
  /** The lines of the enclosing function (1-based, inclusive), for a `list`-style excerpt. */
  functionLines: { start: number; end: number } | null;
}

export interface ClassRow {
  name: string;
  count: number;
  shallowBytes: number;
  retainedBytes: number;
}

export interface AllocationRef extends SourceRef {
  functionName: string;
}

export interface ObjectRow {
  nodeId: number;
  className: string;
  label: string;
  shallowBytes: number;
  retainedBytes: number;
  location: SourceRef | null;
  allocatedIn: AllocationRef | null;
  retainerPath: string[];
  retainerLocations: Array<SourceRef | null>;
}

export interface ClassDelta {
  name: string;
  countDelta: number;
  shallowDelta: number;
  retainedDelta: number;
}

export interface SnapshotInfo {
  file: string;
  fileBytes: number;
  nodeCount: number;
  edgeCount: number;
  totalBytes: number;
  /**
   * Native memory the snapshot knows of: ArrayBuffer contents and native objects (part of
   * totalBytes), plus what V8 reports as `extra_native_bytes` (not in any object).
   */
  nativeBytes: number;
  /** Objects whose id was not in the previous snapshot… */
  newObjects: number | null;
  newBytes: number | null;
  /** …and how many of those are still alive in the newest snapshot. */
  newStillAlive: number | null;
  /** Recorded with allocation tracking over time: bytes still alive from each interval. */
  allocationTimeline: Array<{ timeMs: number; liveBytes: number }> | null;
}

export interface GroupRow {
  kind: 'timers' | 'async' | 'promises' | 'external';
  title: string;
  location: SourceRef | null;
  /** Per snapshot, oldest first. */
  counts: number[];
  bytes: number[];
}

export interface AnalysisReport {
  version: 1;
  verdict: Verdict;
  verdictReason: string;
  snapshots: SnapshotInfo[];
  /** Classes of the newest snapshot by retained size. */
  top: ClassRow[];
  largest: ObjectRow[];
  /** Newest minus oldest, biggest growth first (2+ snapshots). */
  classDeltas: ClassDelta[];
  suspects: Suspect[];
  groups: GroupRow[];
  /** Findings beside the suspects, and what could not be read and was left out, one sentence each. */
  notes: string[];
}

/** One reading of the target's `process.memoryUsage()`, in bytes. */
export interface MemorySample {
  /** Milliseconds since sampling started. */
  timeMs: number;
  heapUsed: number;
  heapTotal: number;
  rss: number;
  external: number;
  arrayBuffers: number;
  /** Taken right after a full GC: what is really held, not garbage not yet collected. */
  afterGc: boolean;
  /**
   * Taken while a heap snapshot was written or the program settled after it: writing one
   * costs the program native memory (rss) that is Leakscope's, not the program's. Absent otherwise.
   */
  capture?: true;
}

/** Bytes a function allocated, as V8's sampling heap profiler saw them, per second of sampling. */
export interface AllocationSite extends SourceRef {
  functionName: string;
  /** Everything it allocated, kept or not (pprof's alloc_space). */
  allocBytesPerSec: number;
  /** What it allocated that was still alive when its window ended (pprof's inuse_space). */
  inuseBytesPerSec: number;
}

/** A memory trend as the reports show it. */
export interface MemoryTrend {
  /** null when too few readings to draw a line (rss: fewer than two post-GC readings between two captures). */
  slopeBytesPerSec: number | null;
  levelBytes: number;
  grows: boolean;
}

/** `leakscope run`: the analysis of the snapshots, plus the run that produced them. */
export interface SnapshotTiming {
  /** null for the snapshot V8 wrote itself near the heap limit (no capture of ours). */
  captureMs: number | null;
  /** null when the run ended before the worker got to it. */
  toSuspectsMs: number | null;
}

export interface RunReport extends AnalysisReport {
  run: {
    script: string;
    args: string[];
    durationMs: number;
    /** When each snapshot was taken, ms since the program started. */
    snapshotTimesMs: number[];
    /**
     * Per snapshot: how long its capture took, and from the end of the capture to the
     * suspects updated with it (the snapshot is read while it is captured).
     */
    timings: SnapshotTiming[];
    /** How the program ended, if it ended on its own before we stopped it. */
    exitedEarly: string | null;
  };
  samples: MemorySample[];
  /** The program's own functions by bytes allocated per second, kept and in all (sampled). */
  allocationSites: AllocationSite[];
  /**
   * Live async resources at each snapshot: by type (what keeps the event loop alive), and,
   * with the tracker, grouped by where they were created.
   */
  asyncResources: {
    active: Record<string, number>;
    groups: Array<{ type: string; frames: string[]; location: SourceRef | null; counts: number[] }>;
  };
  memory: {
    heap: MemoryTrend;
    external: MemoryTrend;
    rss: MemoryTrend;
  };
}
