// Shared by the per-tool child scripts: argument parsing, top-N selection and the result line.
// Each child prints exactly one JSON line, prefixed so the parent can find it among any
// progress text a tool prints on stdout.
export const RESULT_PREFIX = '@@bench-result ';
export const TOP_N = 20;

/** argv: <file> [--ids 1,2,3] (ids to look up retained sizes for, from our own top list). */
export function args() {
  const file = process.argv[2];
  const i = process.argv.indexOf('--ids');
  const ids = i > 0 ? process.argv[i + 1].split(',').filter(Boolean).map(Number) : [];
  if (!file) throw new Error('usage: node <engine>.mjs <file.heapsnapshot> [--ids 1,2,3]');
  return { file, ids };
}

/**
 * Keeps the N largest entries seen, in one pass and O(N) memory, so picking the top list
 * never costs an array of all nodes (which would add to the peak RSS we measure).
 */
export class TopN {
  constructor(n = TOP_N) {
    this.n = n;
    this.items = [];
  }
  offer(retained, make) {
    const items = this.items;
    if (items.length === this.n && retained <= items[items.length - 1].retained) return;
    const item = make();
    let k = items.length;
    items.push(item);
    while (k > 0 && items[k - 1].retained < retained) {
      items[k] = items[k - 1];
      k--;
    }
    items[k] = item;
    if (items.length > this.n) items.pop();
  }
}

export function report(result) {
  const ru = process.resourceUsage();
  result.maxRssKB = ru.maxRSS; // fallback when /usr/bin/time is missing
  process.stdout.write(RESULT_PREFIX + JSON.stringify(result) + '\n');
}

export const now = () => performance.now();

/** Names of strings and scripts are their whole text: keep a short, one-line head of them. */
export const shortName = (name) => {
  const line = String(name).replace(/\s+/g, ' ').trim();
  return line.length > 48 ? `${line.slice(0, 47)}…` : line;
};

/** Reports a failure as a result line too, so the table can say why (exit code 1). */
export function fail(reason) {
  process.stdout.write(RESULT_PREFIX + JSON.stringify({ error: reason }) + '\n');
  process.exit(1);
}
