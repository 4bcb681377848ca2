import { pathToFileURL } from 'node:url';
import { HeapGraph } from '../snapshot/graph.ts';
import { AllocationFrame, SourceLocator } from '../snapshot/locations.ts';
import { Holder, Position, SourceCode, Statement, Write } from '../source/source-code.ts';
import { CollectionKind, forEachEntry } from './collections.ts';
import { findId, SnapshotDigest } from './digest.ts';
import { GrowthSite, StackFrame } from './report.ts';

const MAX_SITES = 5;
const MAX_FRAMES = 16;

/** What a suspect gained since the previous snapshot that is still alive, from one allocation stack. */
interface Added {
  bytes: number;
  count: number;
  /** The class of an object it made, to find the allocating expression. */
  className: string;
}

/** A growth suspect as growth sites see it. */
export interface Grower {
  /** Ordinal in the newest graph. */
  node: number;
  /** A collection's kind (entries are its units), or null for a growing dominator subtree (objects are). */
  collection: CollectionKind | null;
  /** The program's binding that holds it, when one does. */
  holder: Holder | null;
}

export interface GrowthSites {
  sites: GrowthSite[];
  note: string | null;
}

interface Context {
  g: HeapGraph;
  locator: SourceLocator;
  code: SourceCode;
  /** The snapshot before the newest: what is not in it is new. */
  previous: SnapshotDigest;
}

/**
 * Where the program adds to a growing object. With allocation stacks (snapshots taken while V8
 * tracked allocations), the object's new, still-alive entries (or, for a subtree, objects) are
 * grouped by stack, and each stack is refined from the function V8 recorded to the statement
 * that stores into the holder. Without them, the statements that write into the holder's
 * binding are found in the source (static evidence, no bytes).
 */
export function growthSites(context: Context, grower: Grower): GrowthSites {
  const { added, traced, untraced } = addedByTrace(context, grower);
  if (traced > 0) {
    const sites = stackSites(context, grower, added);
    if (sites.length) return { sites, note: untraced > traced ? 'most of its new objects were allocated before allocation tracking started' : null };
  }
  return staticSites(context, grower, traced > 0 ? 'its allocation stacks lead to no function of the program\'s own' : null);
}

/** The grower's new, still-alive units by allocation trace node (0: allocated while nothing tracked). */
function addedByTrace({ g, previous }: Context, grower: Grower): { added: Map<number, Added>; traced: number; untraced: number } {
  const added = new Map<number, Added>();
  const traces = g.raw.nodeTraceNodeId;
  let traced = 0;
  let untraced = 0;
  const isNew = (n: number) => n >= 0 && findId(previous.ids, g.id(n)) < 0;
  const add = (representative: number, bytes: number) => {
    const trace = traces ? traces[representative] : 0;
    if (trace === 0) {
      untraced++;
      return;
    }
    traced++;
    let entry = added.get(trace);
    if (!entry) added.set(trace, (entry = { bytes: 0, count: 0, className: g.className(representative) }));
    entry.bytes += bytes;
    entry.count++;
  };
  if (grower.collection) {
    forEachEntry(g, grower.node, grower.collection, (first, second) => {
      if (!isNew(first) && !isNew(second)) return;
      // A Map entry's value tells more about where it was made than its key.
      const representative = second >= 0 && (!traces || traces[second] > 0) ? second : first;
      add(representative, ownedBytes(g, grower.node, first) + ownedBytes(g, grower.node, second));
    });
  } else {
    const stack = [...g.dominated(grower.node)];
    while (stack.length) {
      const n = stack.pop()!;
      if (g.selfSize[n] > 0 && isNew(n)) add(n, g.selfSize[n]);
      for (const child of g.dominated(n)) stack.push(child);
    }
  }
  return { added, traced, untraced };
}

/** What `part` keeps alive for the collection: its retained size when the collection dominates it. */
function ownedBytes(g: HeapGraph, collection: number, part: number): number {
  if (part < 0) return 0;
  let d = g.dominator[part];
  for (let up = 0; up < 4 && d !== g.rootOrdinal; up++, d = g.dominator[d]) if (d === collection) return g.retainedSize[part];
  return 0;
}

function stackSites({ locator, code }: Context, grower: Grower, added: Map<number, Added>): GrowthSite[] {
  const sites = new Map<string, GrowthSite & { top: number }>();
  for (const [trace, { bytes, count, className }] of added) {
    const stack = locator.allocationStack(trace, MAX_FRAMES);
    const found = refine(code, grower, stack, className);
    if (!found) continue;
    const key = `${found.statement.file}:${found.statement.line}:${found.statement.column}`;
    let site = sites.get(key);
    if (!site) sites.set(key, (site = { ...siteOf(found.statement, found.exact, 'allocation-stack', stack), bytes: 0, count: 0, top: 0 }));
    site.bytes! += bytes;
    site.count! += count;
    // The stack shown is the one that brought the most.
    if (bytes > site.top) {
      site.top = bytes;
      site.stack = stack.map(frameOf);
    }
  }
  return [...sites.values()]
    .sort((a, b) => b.bytes! - a.bytes!)
    .slice(0, MAX_SITES)
    .map(({ top: _top, ...site }) => site);
}

/**
 * From the functions of a stack to a statement: in the innermost function of the program's own
 * that writes into the holder, that write (`sessions.set(…)`, `counter.inc(…)`); else where the
 * innermost own function allocates the object; else that function, by its first line.
 */
function refine(code: SourceCode, grower: Grower, stack: AllocationFrame[], className: string): { statement: Statement; exact: boolean } | null {
  const own = stack.filter((frame) => frame.own);
  if (!own.length) return null;
  const replacing = grower.collection === null;
  if (grower.holder) {
    for (const frame of own) {
      const writes = code.writesWithin(grower.holder, frame, { replacing });
      if (writes.length) return { statement: writes[0], exact: true };
    }
  }
  const allocation = code.allocationWithin(own[0], className);
  if (allocation) return { statement: allocation, exact: true };
  const fn = code.functionAt(own[0]);
  return fn ? { statement: fn, exact: false } : null;
}

function staticSites({ code }: Context, grower: Grower, why: string | null): GrowthSites {
  const holder = grower.holder;
  if (!holder) return { sites: [], note: why ?? 'no variable or property of the program\'s own holds it, so no statement can be named' };
  const problem = code.problem(holder.at.file);
  if (problem) return { sites: [], note: problem };
  const writes = code.writesInto(holder, { replacing: grower.collection === null });
  // Statements that add to it outrank plain method calls on it.
  const adding = writes.filter((w: Write) => w.kind === 'adds');
  const chosen = (adding.length ? adding : writes).slice(0, MAX_SITES);
  if (!chosen.length) return { sites: [], note: `no statement of the program's own writes into \`${holder.name}\`` };
  const noStacks = why ?? 'the snapshots have no allocation stacks, so these are the statements that write into it (no bytes per line)';
  return { sites: chosen.map((w) => siteOf(w, true, 'static', [])), note: noStacks };
}

/** Timers of one callback all come from the call that passed it: `setInterval(() => …)`. */
export function timerSite(code: SourceCode, callback: Position): GrowthSites {
  const call = code.callAround(callback);
  if (call) return { sites: [siteOf(call, true, 'static', [])], note: null };
  return { sites: [], note: code.problem(callback.file) ?? 'the callback is not passed straight to a timer call' };
}

/** Suspended async functions come from the calls that started them: `worker(i)`. */
export function asyncSites(code: SourceCode, fn: Position): GrowthSites {
  const calls = code.callsOf(fn).slice(0, MAX_SITES);
  if (calls.length) return { sites: calls.map((call) => siteOf(call, true, 'static', [])), note: null };
  return { sites: [], note: code.problem(fn.file) ?? 'no call of the program\'s own starts this function by its name' };
}

function siteOf(statement: Statement, exact: boolean, evidence: GrowthSite['evidence'], stack: AllocationFrame[]): GrowthSite {
  return {
    file: statement.file,
    url: pathToFileURL(statement.file).href,
    line: statement.line,
    column: statement.column,
    functionName: statement.functionName,
    code: statement.code,
    exact,
    bytes: null,
    count: null,
    stack: stack.map(frameOf),
    evidence,
    functionLines: statement.functionLines,
  };
}

function frameOf(frame: AllocationFrame): StackFrame {
  return { file: frame.file, url: frame.url, line: frame.line, column: frame.column, functionName: frame.functionName, own: frame.own };
}
