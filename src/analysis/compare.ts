import { SourceCode } from '../source/source-code.ts';
import { HeapGraph, SYSTEM_DISTANCE } from '../snapshot/graph.ts';
import { SourceLocator } from '../snapshot/locations.ts';
import { COLLECTION_KINDS, CollectionKind } from './collections.ts';
import { isContext, nodeLabel } from './describe.ts';
import { findId, idCursor, SnapshotDigest } from './digest.ts';
import { asyncSites, growthSites, timerSite } from './growth-sites.ts';
import { biggestChildEdge, declarationOf, holderOf, locateSuspect } from './locate.ts';
import { describePath, scopeLabel, shortestRetainerPath } from './paths.ts';
import { ClassDelta, GroupRow, sourceRef, Suspect, SuspectKind } from './report.ts';

/** Growth below this, over the whole series, is noise (V8 and Node tick over a little). */
export const MIN_GROWTH_BYTES = 32 * 1024;
/** Timers, async functions and promises: this many more of one kind is a trend. */
export const MIN_GROUP_GROWTH = 10;
/** A dominator subtree defers to a child that holds this share of its growth. */
const FRONTIER_SHARE = 0.8;
/** Allowed shrink between two snapshots for a series still to count as growing. */
const TOLERANCE = 0.01;

const HINTS: Record<SuspectKind | CollectionKind, string> = {
  Map: 'Bound it: evict old entries (an LRU with a size cap), delete entries when done, or key a WeakMap by the owner.',
  Set: 'Bound it: delete members when done, cap its size, or use a WeakSet keyed by the owner.',
  Array: 'Stop appending without removing: cap the array, use a ring buffer, or splice out what is done.',
  Object: 'An object used as a dictionary only grows: delete keys when done, or use a bounded Map/LRU.',
  listeners: 'Remove listeners when done (emitter.off / removeListener), use once(), or pass an AbortSignal.',
  collection: 'Bound it: evict old entries or delete them when done.',
  subtree: 'Something keeps a growing structure alive: let go of the old value, or hold it through a WeakRef.',
  timers: 'Keep the handle and clearInterval / clearTimeout it when its owner goes away.',
  async: 'What these await never settles: add a timeout (AbortSignal.timeout, Promise.race) and reject pending callers on close.',
  promises: 'These promises never settle: resolve or reject them on every path, with a timeout.',
  external: 'Buffers held outside the JS heap keep piling up: drop them when done or reuse a bounded pool.',
};

/** A collection a dependency keeps: the program controls what it is fed, not how it is kept. */
const DEPENDENCY_HINT =
  'It grows inside a dependency, fed by the calls below: bound what you pass it (label values, keys, listeners), or use the library\'s own way to remove or reset entries.';

/** Non-decreasing from snapshot to snapshot (within a small tolerance), and larger at the end. */
function grows(values: Array<number | null>): boolean {
  // Asked of every collection of the heap: no array made per call.
  let first: number | null = null;
  let previous: number | null = null;
  for (const v of values) {
    if (v === null) continue;
    if (previous !== null && v < previous * (1 - TOLERANCE)) return false;
    first ??= v;
    previous = v;
  }
  return first !== null && previous! > first;
}

function firstPresent<T>(values: Array<T | null>): T {
  return values.find((v) => v !== null)!;
}

interface Candidate {
  kind: SuspectKind;
  collectionKind: CollectionKind | null;
  nodeId: number;
  retained: Array<number | null>;
  counts: Array<number | null> | null;
}

/** Retained size of a node id in each snapshot (null where it did not exist). */
function retainedSeries(digests: SnapshotDigest[], id: number): Array<number | null> {
  return digests.map((d) => {
    const k = findId(d.ids, id);
    return k < 0 ? null : d.retainedById[k];
  });
}

function collectionCandidates(digests: SnapshotDigest[]): Candidate[] {
  const last = digests[digests.length - 1];
  const out: Candidate[] = [];
  const collections = digests.map((d) => idCursor(d.collectionIds));
  const objects = digests.map((d) => idCursor(d.ids));
  // One array for every collection's counts: a heap has a million collections, few of them growing.
  const counts: Array<number | null> = digests.map(() => null);
  for (let c = 0; c < last.collectionIds.length; c++) {
    const id = last.collectionIds[c];
    for (let s = 0; s < digests.length; s++) {
      const k = collections[s](id);
      counts[s] = k >= 0 ? digests[s].collectionEntries[k] : objects[s](id) >= 0 ? 0 : null;
    }
    if (!grows(counts)) continue;
    const retained = retainedSeries(digests, id);
    const growth = (retained[retained.length - 1] ?? 0) - (firstPresent(retained) ?? 0);
    const countGrowth = counts[counts.length - 1]! - firstPresent(counts)!;
    if (growth < MIN_GROWTH_BYTES && !(countGrowth >= 100 && counts.filter((v) => v !== null).length >= 3)) continue;
    const kind = COLLECTION_KINDS[last.collectionKinds[c]];
    out.push({ kind: kind === 'listeners' ? 'listeners' : 'collection', collectionKind: kind, nodeId: id, retained, counts: [...counts] });
  }
  return out;
}

/**
 * Persistent objects whose dominator subtree keeps growing, reduced to the frontier: the
 * deepest object that still holds most of the growth (the parent defers to its child, or
 * to the growing collections under it).
 */
function subtreeCandidates(digests: SnapshotDigest[], g: HeapGraph, exclude: Set<number>): Candidate[] {
  const first = digests[0];
  // Few objects grow: a map, not a node-sized array.
  const growth = new Map<number, number>();
  const series = new Map<number, Array<number | null>>();
  const { object, closure } = g.nodeTypes;
  for (let n = 0; n < g.nodeCount; n++) {
    // Size first: few objects hold that much, and the test reads one array in order.
    if (g.retainedSize[n] < MIN_GROWTH_BYTES) continue;
    const t = g.raw.nodeType[n];
    if ((t !== object && t !== closure && !isContext(g, n)) || g.distance[n] >= SYSTEM_DISTANCE) continue;
    const id = g.id(n);
    if (findId(first.ids, id) < 0) continue;
    const retained = retainedSeries(digests, id);
    if (!grows(retained)) continue;
    const delta = retained[retained.length - 1]! - firstPresent(retained)!;
    if (delta < MIN_GROWTH_BYTES) continue;
    growth.set(n, delta);
    series.set(n, retained);
  }
  const out: Candidate[] = [];
  for (const [n, retained] of series) {
    const children = g.dominated(n);
    const own = growth.get(n)!;
    // Its growth is explained by one child that holds most of it, or by growing collections
    // under it that do together (two leaking Maps in one module are two findings, not one
    // about the module).
    let collectionsGrowth = 0;
    let deferred = false;
    for (let i = 0; i < children.length && !deferred; i++) {
      const c = children[i];
      const childGrowth = growth.get(c);
      if (childGrowth === undefined) continue;
      // A child that retained more than n in the first snapshot was not under n then (the
      // dominator tree changed: say, only the running stack held n's scope while the module
      // loaded): n's growth includes taking it in, and that part is the child's too.
      const share = childGrowth + Math.max(0, firstPresent(series.get(c)!)! - firstPresent(retained)!);
      if (exclude.has(g.id(c))) collectionsGrowth += share;
      deferred = share >= FRONTIER_SHARE * own || collectionsGrowth >= FRONTIER_SHARE * own;
    }
    // The global object and module scopes hold everything; they are only news if nothing below explains it.
    if (deferred || exclude.has(g.id(n)) || g.distance[n] <= 1) continue;
    out.push({ kind: 'subtree', collectionKind: null, nodeId: g.id(n), retained, counts: null });
  }
  return out;
}

/** Ordinals of the given ids in the newest graph. */
function ordinalsOf(g: HeapGraph, ids: Iterable<number>): Map<number, number> {
  const wanted = new Set(ids);
  const found = new Map<number, number>();
  for (let n = 0; n < g.nodeCount && found.size < wanted.size; n++) {
    if (wanted.has(g.raw.nodeId[n])) found.set(g.raw.nodeId[n], n);
  }
  return found;
}

function groupKey(kind: string, key: string): string {
  return key.startsWith(`${kind}:`) ? key.slice(kind.length + 1) : key;
}

/** Groups (timers, async functions, promises, buffers) series across the snapshots, newest groups only. */
export function groupRows(digests: SnapshotDigest[]): Array<GroupRow & { example: number; key: string }> {
  const last = digests[digests.length - 1];
  return [...last.groups.values()].map((group) => ({
    kind: group.kind,
    key: group.key,
    title: group.title,
    location: group.location,
    counts: digests.map((d) => d.groups.get(group.key)?.count ?? 0),
    bytes: digests.map((d) => d.groups.get(group.key)?.bytes ?? 0),
    example: group.example,
  }));
}

interface Context {
  g: HeapGraph;
  locator: SourceLocator;
  code: SourceCode;
  /** The snapshot before the newest. */
  previous: SnapshotDigest;
}

/** A collection or subtree candidate as the user sees it, or null when it has no place in the program's own code. */
function candidateSuspect(context: Context, c: Candidate, n: number, externalBytes: number | null): Suspect | null {
  const { g, locator, code } = context;
  const steps = shortestRetainerPath(g, n);
  let located = locateSuspect(g, locator, code, steps);
  const className = g.className(n);
  // A subtree is named by the variable or property through which it grows.
  const via = c.kind === 'subtree' ? biggestChildEdge(g, n) : -1;
  if (via >= 0) {
    const location = declarationOf(g, locator, code, n, via) ?? located.location;
    located = { ...located, heldBy: g.edgeName(via), location, holder: holderOf(g, locator, n, via), holderStep: steps.length - 1, inside: null };
  }
  // Growth inside Node's own structures (timer lists, the stack of running async resources
  // when a snapshot lands mid-callback) is some other suspect's echo, not a finding.
  if (!located.location) return null;
  let title: string;
  if (c.kind === 'subtree') {
    const label = isContext(g, n) ? scopeLabel(g, locator, n) : nodeLabel(g, n);
    title = via >= 0 ? `${label} keeps growing through \`${g.edgeName(via)}\`` : `${label} keeps growing`;
  } else {
    const holder = located.heldBy ? `\`${located.heldBy}\`` : `@${c.nodeId}`;
    // Inside a dependency, the program's object is what the user knows: `Counter \`requests\``.
    const owner = located.inside && located.holderStep >= 0 ? g.className(steps[located.holderStep + 1].node) : className;
    const through = located.inside?.heldBy ? ` through .${located.inside.heldBy}` : '';
    title = c.kind === 'listeners' ? `listeners on ${owner} ${holder} keep piling up${through}` : `${owner} ${holder} keeps growing${through}`;
  }
  const sites = growthSites(context, { node: n, collection: c.kind === 'subtree' ? null : c.collectionKind, holder: located.holder });
  const retainedNow = c.retained[c.retained.length - 1] ?? 0;
  const counts = c.counts;
  return {
    kind: c.kind,
    title,
    nodeId: c.nodeId,
    className,
    retainedBytes: retainedNow,
    growthBytes: retainedNow - (firstPresent(c.retained) ?? 0),
    count: counts ? counts[counts.length - 1] : null,
    countGrowth: counts ? counts[counts.length - 1]! - firstPresent(counts)! : null,
    externalBytes,
    series: c.retained.map((r, k) => (r === null ? null : { retainedBytes: r, count: counts ? counts[k] : null })),
    heldBy: located.heldBy,
    location: located.location,
    allocatedIn: located.allocatedIn,
    ...describePath(g, locator, code, steps),
    hint: located.inside ? DEPENDENCY_HINT : HINTS[c.collectionKind ?? c.kind],
    growthSites: sites.sites,
    growthSitesNote: sites.note,
    inside: located.inside,
  };
}

/** Timers, async functions, promises or buffers of one origin that keep gaining members. */
function groupSuspect({ g, locator, code }: Context, row: ReturnType<typeof groupRows>[number]): Suspect {
  const steps = shortestRetainerPath(g, row.example);
  const located = locateSuspect(g, locator, code, steps);
  const external = row.kind === 'external';
  const sites =
    row.kind === 'timers' && row.location
      ? timerSite(code, row.location)
      : row.kind === 'async' && row.location
        ? asyncSites(code, row.location)
        : { sites: [], note: null };
  return {
    kind: row.kind,
    title: row.title,
    nodeId: external ? g.id(row.example) : null,
    className: external ? g.className(row.example) : null,
    retainedBytes: row.bytes.at(-1)!,
    growthBytes: row.bytes.at(-1)! - row.bytes[0],
    count: row.counts.at(-1)!,
    countGrowth: row.counts.at(-1)! - row.counts[0],
    externalBytes: external ? row.bytes.at(-1)! : null,
    series: row.counts.map((count, k) => ({ retainedBytes: row.bytes[k], count })),
    heldBy: null,
    location: row.location ? sourceRef(row.location) : located.location,
    allocatedIn: located.allocatedIn,
    ...describePath(g, locator, code, steps),
    hint: HINTS[row.kind],
    growthSites: sites.sites,
    growthSitesNote: sites.note,
    inside: null,
  };
}

/**
 * Ranked growth suspects across 2+ snapshots of one process: collections that keep
 * gaining entries, dominator subtrees that keep gaining bytes, and timers, suspended
 * async functions, pending promises and buffers that keep gaining members.
 */
export function findSuspects(digests: SnapshotDigest[], g: HeapGraph, locator: SourceLocator, code: SourceCode): Suspect[] {
  if (digests.length < 2) return [];
  const context = { g, locator, code, previous: digests[digests.length - 2] };
  const collections = collectionCandidates(digests);
  const subtrees = subtreeCandidates(digests, g, new Set(collections.map((c) => c.nodeId)));
  const candidates = [...collections, ...subtrees];
  const ordinals = ordinalsOf(g, candidates.map((c) => c.nodeId));
  const groups = groupRows(digests);
  const external = new Map(groups.filter((r) => r.kind === 'external').map((r) => [Number(groupKey('external', r.key)), r]));

  const byNode = new Map<number, Suspect>();
  for (const c of candidates) {
    const n = ordinals.get(c.nodeId);
    if (n === undefined) continue;
    const suspect = candidateSuspect(context, c, n, external.get(c.nodeId)?.bytes.at(-1) ?? null);
    if (suspect) byNode.set(c.nodeId, suspect);
  }

  // Dominated suspects are explained by the suspect above them.
  const suspects = [...byNode.values()].filter((s) => {
    let n = g.dominator[ordinals.get(s.nodeId!)!];
    for (let guard = 0; guard < 10_000 && n !== g.rootOrdinal; guard++) {
      if (byNode.has(g.id(n))) return false;
      n = g.dominator[n];
    }
    return true;
  });

  const asyncRows = groups.filter((r) => r.kind === 'async');
  const asyncKeys = new Set(asyncRows.map((r) => groupKey('async', r.key)));
  const asyncGrowths = asyncRows.map((r) => r.counts.at(-1)! - r.counts[0]);
  for (const row of groups) {
    if (row.kind === 'external') {
      const holder = Number(groupKey('external', row.key));
      if (byNode.has(holder) || !grows(row.bytes) || row.bytes.at(-1)! - row.bytes[0] < MIN_GROWTH_BYTES) continue;
    } else {
      if (!grows(row.counts) || row.counts.at(-1)! - row.counts[0] < MIN_GROUP_GROWTH) continue;
      // A suspended async function and the promise it awaits are one finding; so are the
      // handler-less promises V8 makes for each `await` while async hooks watch promises.
      if (row.kind === 'promises' && asyncKeys.has(groupKey('promises', row.key))) continue;
      const growth = row.counts.at(-1)! - row.counts[0];
      if (row.kind === 'promises' && row.location === null && asyncGrowths.some((a) => Math.abs(a - growth) <= 0.1 * growth)) continue;
    }
    suspects.push(groupSuspect(context, row));
  }
  return suspects.sort((a, b) => b.growthBytes - a.growthBytes || (b.countGrowth ?? 0) - (a.countGrowth ?? 0));
}

/** Per-class change from the oldest to the newest snapshot, biggest growth first. */
export function classDeltas(digests: SnapshotDigest[], limit: number): ClassDelta[] {
  const first = new Map(digests[0].classes.map((c) => [c.name, c]));
  const last = digests[digests.length - 1].classes;
  const names = new Set([...first.keys(), ...last.map((c) => c.name)]);
  const lastByName = new Map(last.map((c) => [c.name, c]));
  const deltas: ClassDelta[] = [];
  for (const name of names) {
    const a = first.get(name);
    const b = lastByName.get(name);
    const delta = {
      name,
      countDelta: (b?.count ?? 0) - (a?.count ?? 0),
      shallowDelta: (b?.shallow ?? 0) - (a?.shallow ?? 0),
      retainedDelta: (b?.retained ?? 0) - (a?.retained ?? 0),
    };
    if (delta.countDelta !== 0 || delta.shallowDelta !== 0) deltas.push(delta);
  }
  return deltas.sort((x, y) => y.shallowDelta - x.shallowDelta).slice(0, limit);
}

