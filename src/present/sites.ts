// How a growth site reads: the statement in the program's own code that feeds a suspect.
import type { GrowthSite, StackFrame, Suspect } from '../analysis/report.ts';
import { codeOwner, formatPlace, shortPlace } from './places.ts';
import { amountText, holderName } from './suspects.ts';

/** The sites a report lists per suspect, most bytes first; past these they add little. */
export const SHOWN_SITES = 5;

/** `and 3 more growth sites (…)` when a report lists only the first `SHOWN_SITES`; else null. */
export function moreSitesText(s: Suspect): string | null {
  const more = s.growthSites.length - SHOWN_SITES;
  return more > 0 ? `and ${more} more growth site${more === 1 ? '' : 's'} (all of them in the JSON report)` : null;
}

/** Shorter than this, a statement shows whole. */
const GIST_WHOLE = 32;
const GIST_MAX = 48;

/** `handleRequest()`, or `top level` for a module's own statements. */
export function functionText(name: string): string {
  return name ? `${name}()` : 'top level';
}

/** A function V8 recorded (in a stack, or as an allocator): `handleRequest()`, `(anonymous)()` without a name. */
export function recordedFunction(name: string): string {
  return `${name || '(anonymous)'}()`;
}

function inFunction(name: string): string {
  return name ? `in ${name}()` : 'at top level';
}

/**
 * A statement short enough for a row: a call's arguments and a literal's members become `…`
 * (`sessions.set(…)`, `const session = {…}`), the trailing `;` goes, and what is still too
 * long is cut.
 */
export function codeGist(code: string): string {
  let text = code.trim().replace(/;$/, '');
  if (text.length > GIST_WHOLE) {
    let out = '';
    let depth = 0;
    for (const c of text) {
      if ('([{'.includes(c)) {
        if (depth++ === 0) out += `${c}…`;
      } else if (')]}'.includes(c) && depth > 0) {
        if (--depth === 0) out += c;
      } else if (depth === 0) out += c;
    }
    text = out;
  }
  return text.length > GIST_MAX ? `${text.slice(0, GIST_MAX - 1)}…` : text;
}

/** What the site added to the suspect: `+37 MB (+30,700 entries)`; null for a static site. */
export function siteAmount(site: GrowthSite, s: Suspect): string | null {
  return site.bytes === null ? null : amountText(s.kind, site.bytes, site.count);
}

/** Why the line is less than a measured statement, or null when it is one. */
export function siteCaveat(site: GrowthSite, s: Suspect): string | null {
  if (site.evidence === 'static') return `static: writes into ${holderName(s)}`;
  return site.exact ? null : 'the line is where the function starts';
}

/** `sessions.set(…) in handleRequest() — +37 MB (+30,700 entries)`, with the caveat in parentheses. */
export function siteSummary(site: GrowthSite, s: Suspect): string {
  const where = site.exact ? `${codeGist(site.code)} ${inFunction(site.functionName)}` : inFunction(site.functionName);
  const amount = siteAmount(site, s);
  const caveat = siteCaveat(site, s);
  return `${where}${amount ? ` — ${amount}` : ''}${caveat ? ` (${caveat})` : ''}`;
}

/** The report's line for a site: `grows at examples/map-cache.js:14:3  sessions.set(…) in handleRequest() — +37 MB (+30,700 entries)`. */
export function growthSiteLine(site: GrowthSite, s: Suspect, root: string): string {
  return `grows at ${formatPlace(site, root)}  ${siteSummary(site, s)}`;
}

/** A row's label for a site: `map-cache.js:14 sessions.set(…)`, or the function when the statement is not known. */
export function siteLabel(site: GrowthSite): string {
  return `${shortPlace(site)} ${site.exact ? codeGist(site.code) : functionText(site.functionName)}`;
}

/** How the site was found, in a sentence. */
export function evidenceText(site: GrowthSite, s: Suspect): string {
  return site.evidence === 'static'
    ? `Found in the source: this statement writes into ${holderName(s)}. No allocation stack was recorded for it.`
    : `From allocation stacks: objects of ${holderName(s)} new since the previous snapshot, and still alive, were allocated here.`;
}

/** A frame of an allocation stack: `handleRequest() map-cache.js:7`, whose code it is when not the program's. */
export function frameText(f: StackFrame): string {
  const owner = f.own ? '' : ` (${codeOwner(f.file) ?? 'not the program'})`;
  return `${recordedFunction(f.functionName)} ${shortPlace(f)}${owner}`;
}

/** A site's allocation stack for a tooltip or a hover: a heading, then a frame per line; [] for a static site. */
export function stackLines(site: GrowthSite): string[] {
  return site.stack.length ? ['Allocation stack, innermost first:', ...site.stack.map((f) => `  ${frameText(f)}`)] : [];
}
