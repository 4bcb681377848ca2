import { type GrowthSite, sourceRef, type Suspect } from '../../analysis/report.ts';
import { evidenceText, recordedFunction, siteAmount, siteCaveat, siteLabel, siteSummary, stackLines } from '../../present/sites.ts';
import { shortPlace } from '../../present/places.ts';
import { growthText, insideText, nowText, suspectName, verdictLabel } from '../../present/suspects.ts';
import { Findings } from './findings.ts';
import { Item } from './item.ts';

const KIND_ICON: Record<Suspect['kind'], string> = {
  collection: 'symbol-array',
  listeners: 'broadcast',
  subtree: 'type-hierarchy',
  timers: 'watch',
  async: 'sync',
  promises: 'debug-pause',
  external: 'database',
};

export function suspectId(findings: Findings, rank: number): string {
  return `${findings.key}/suspect/${rank}`;
}

/** The Suspects view: the verdict, then the suspects by rank, each with where it grows and what holds it. */
export function suspectItems(findings: Findings | null): Item[] {
  if (!findings) return [];
  const { key, report } = findings;
  const verdict: Item = {
    id: `${key}/verdict`,
    label: `${verdictLabel(findings.verdict)}: ${findings.verdictReason}`,
    tooltip: `${findings.title}\n${findings.verdictReason}`,
    icon: findings.verdict === 'leak' ? 'error' : findings.verdict === 'no-leak' ? 'pass' : 'info',
    contextValue: 'verdict',
    children: findings.notes.map((note, k) => ({ id: `${key}/note/${k}`, label: note, tooltip: note, icon: 'warning' })),
  };
  return [verdict, ...report.suspects.map((s, rank) => suspectItem(findings, s, rank))];
}

function siteItem(parent: string, s: Suspect, site: GrowthSite, k: number): Item {
  return {
    id: `${parent}/${k}`,
    label: siteLabel(site),
    description: siteAmount(site, s) ?? siteCaveat(site, s) ?? undefined,
    tooltip: [site.exact ? site.code : '', siteSummary(site, s), ...stackLines(site), evidenceText(site, s)].filter(Boolean).join('\n'),
    icon: site.evidence === 'static' ? 'edit' : site.exact ? 'flame' : 'symbol-function',
    location: sourceRef(site),
  };
}

/**
 * Where the program's own code adds to the suspect, every site (a tree has room to scroll);
 * the note says why there is nothing, or only static sites, to show.
 */
function growsAtItem(id: string, s: Suspect): Item | null {
  const children = s.growthSites.map((site, k) => siteItem(`${id}/sites`, s, site, k));
  const note = s.growthSitesNote;
  if (note) children.push({ id: `${id}/sites/note`, label: note, tooltip: note, icon: 'info' });
  return children.length ? { id: `${id}/sites`, label: 'Grows at', icon: 'flame', expanded: true, children } : null;
}

function suspectItem(findings: Findings, s: Suspect, rank: number): Item {
  const id = suspectId(findings, rank);
  // Nearest holder first, as DevTools lists retainers: the program's own reference shows at once,
  // the long way from the GC roots through Node's internals comes after.
  const steps = s.retainerPath.map((text, k) => ({ text, location: s.retainerLocations[k] ?? null, k })).reverse();
  const path: Item = {
    id: `${id}/path`,
    label: 'Held by (nearest first, up to the GC roots)',
    icon: 'references',
    expanded: true,
    children: steps.map(({ text, location, k }) => ({
      id: `${id}/path/${k}`,
      label: text,
      description: location ? shortPlace(location) : undefined,
      tooltip: text,
      location,
      icon: location ? 'go-to-file' : 'circle-small',
    })),
  };
  const children: Item[] = [];
  const growsAt = growsAtItem(id, s);
  if (growsAt) children.push(growsAt);
  if (s.inside) {
    const inside = `Inside ${insideText(s.inside)}`;
    children.push({
      id: `${id}/inside`,
      label: inside,
      description: s.inside.location ? shortPlace(s.inside.location) : undefined,
      tooltip: `${inside}: it is made there, and shown here at the program's own binding that holds it.`,
      location: s.inside.location,
      icon: 'package',
    });
  }
  children.push(path);
  if (s.allocatedIn) {
    children.push({
      id: `${id}/allocated`,
      label: `Allocated in ${recordedFunction(s.allocatedIn.functionName)}`,
      description: shortPlace(s.allocatedIn),
      location: s.allocatedIn,
      icon: 'symbol-function',
    });
  }
  children.push({ id: `${id}/hint`, label: s.hint, tooltip: s.hint, icon: 'lightbulb' });
  const top = s.growthSites[0];
  return {
    id,
    // The sidebar is narrow: a short name and the growth; the rest is in the tooltip.
    label: `${rank + 1}. ${suspectName(s)}`,
    description: growthText(s, findings.timesMs),
    tooltip: [
      s.title,
      `grew ${growthText(s, findings.timesMs)}; now ${nowText(s)}`,
      s.location ? `at ${shortPlace(s.location)}` : '',
      top ? `grows at ${siteLabel(top)}` : '',
      s.hint,
    ]
      .filter(Boolean)
      .join('\n'),
    icon: KIND_ICON[s.kind],
    location: s.location,
    contextValue: 'suspect',
    children,
  };
}
