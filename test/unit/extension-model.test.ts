// The extension's plain-Node parts: the Suspects tree and CodeLens for a suspect with growth
// sites, escaping heap text for hovers, the snapshot folder's protection from git, snapshot
// file names, the process picker's rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Suspect } from '../../src/analysis/report.ts';
import type { Findings } from '../../src/extension/model/findings.ts';
import type { Item } from '../../src/extension/model/item.ts';
import { hoverMarkdown, lineFindings } from '../../src/extension/model/line-findings.ts';
import { escapeMarkdown } from '../../src/extension/model/markdown.ts';
import { plainPickText, processPick } from '../../src/extension/model/process-items.ts';
import { suspectItems } from '../../src/extension/model/suspect-items.ts';
import { prepareSnapshotFolder, snapshotFileName } from '../../src/inspector/snapshot-folder.ts';
import { at, leakReport, mapSuspect, setSite, staticSite, writeMapCache } from '../helpers/growth-suspects.ts';
import { scratch } from '../helpers/paths.ts';

const file = writeMapCache(scratch('model'));

function findingsOf(...suspects: Suspect[]): Findings {
  const report = leakReport(suspects);
  return { key: 'a1', title: 'map-cache.js', files: ['1', '2', '3'], timesMs: [1_000, 11_000, 21_000], report, verdict: 'leak', verdictReason: report.verdictReason, sites: [], samples: [], notes: [] };
}

function child(item: Item, id: string): Item {
  const found = item.children?.find((c) => c.id === `${item.id}/${id}`);
  assert.ok(found, `${id} under ${item.id}: ${item.children?.map((c) => c.id).join(', ')}`);
  return found;
}

test('a suspect row is short for the sidebar: a name and its growth, the rest in the tooltip', () => {
  const [verdict, row] = suspectItems(findingsOf(mapSuspect(file)));
  assert.equal(verdict.label, 'Leak: 1 object(s) grew in every one of the 2 intervals');
  assert.equal(row.label, '1. Map sessions');
  assert.equal(row.description, '+39 MB (+32,200 entries) in 20 s');
  assert.equal(
    row.tooltip,
    [
      'Map `sessions` keeps growing',
      'grew +39 MB (+32,200 entries) in 20 s; now 48 MB, 40,000 entries',
      'at map-cache.js:3',
      'grows at map-cache.js:25 sessions.set(…)',
      'Bound it: evict old entries, or delete them when a session ends.',
    ].join('\n'),
  );
  assert.deepEqual([row.location?.file, row.location?.line], [file, 3]);
  assert.deepEqual(
    row.children?.map((c) => c.label),
    ['Grows at', 'Held by (nearest first, up to the GC roots)', 'Bound it: evict old entries, or delete them when a session ends.'],
  );
});

test('Grows at: a row per site that opens its line, with what it added and its allocation stack', () => {
  const [, row] = suspectItems(findingsOf(mapSuspect(file)));
  const growsAt = child(row, 'sites');
  assert.equal(growsAt.expanded, true);
  const [exact, inexact] = growsAt.children!;
  assert.equal(exact.label, 'map-cache.js:25 sessions.set(…)');
  assert.equal(exact.description, '+37 MB (+30,700 entries)');
  assert.deepEqual([exact.location?.file, exact.location?.line, exact.location?.column], [file, 25, 3]);
  assert.equal(
    exact.tooltip,
    [
      'sessions.set(`session-${id}`, session);',
      'sessions.set(…) in handleRequest() — +37 MB (+30,700 entries)',
      'Allocation stack, innermost first:',
      '  handleRequest() map-cache.js:5',
      '  (anonymous)() map-cache.js:29',
      '  listOnTimeout() timers:581 (Node)',
      'From allocation stacks: objects of sessions new since the previous snapshot, and still alive, were allocated here.',
    ].join('\n'),
  );
  assert.equal(inexact.label, 'map-cache.js:29 tick()');
  assert.equal(inexact.description, '+2.0 MB (+1,500 entries)');
  assert.match(inexact.tooltip!, /the line is where the function starts/);
});

test('Grows at: static sites say so; without sites, the note says why', () => {
  const note = 'No allocation stacks were recorded: run with --track-allocations for the statements that add.';
  const [, withStatic] = suspectItems(findingsOf(mapSuspect(file, { growthSites: [staticSite(file)], growthSitesNote: note })));
  const [site, noteRow] = child(withStatic, 'sites').children!;
  assert.equal(site.description, 'static: writes into sessions');
  assert.match(site.tooltip!, /^sessions\.set.*\nsessions\.set\(…\) in handleRequest\(\) \(static: writes into sessions\)\nFound in the source: this statement writes into sessions\./);
  assert.equal(noteRow.label, note);

  const [, bare] = suspectItems(findingsOf(mapSuspect(file, { growthSites: [], growthSitesNote: note })));
  assert.deepEqual(child(bare, 'sites').children!.map((c) => c.label), [note]);
  const [, silent] = suspectItems(findingsOf(mapSuspect(file, { growthSites: [] })));
  assert.ok(!silent.children!.some((c) => c.label === 'Grows at'), 'no sites and nothing to say: no group');
});

test('made inside a dependency: a row with its holder there, opening its line', () => {
  const counter = '/srv/app/node_modules/prom-client/lib/counter.js';
  const [, row] = suspectItems(findingsOf(mapSuspect(file, { inside: { heldBy: 'Counter .hashMap', location: at(counter, 40, 5) } })));
  const inside = child(row, 'inside');
  assert.equal(inside.label, "Inside prom-client's Counter .hashMap");
  assert.equal(inside.description, 'counter.js:40');
  assert.equal(inside.location?.file, counter);
});

test('CodeLens: the holder’s line as before, and a lens on each growth-site line that reveals the suspect', () => {
  const findings = findingsOf(mapSuspect(file, { growthSites: [setSite(file), setSite(file, { column: 40, bytes: 1024 * 1024, count: 300 }), staticSite(file, { line: 6 })] }));
  const lenses = lineFindings(findings, file);
  assert.deepEqual(
    lenses.map((l) => [l.line, l.text]),
    [
      [3, 'Leakscope: 48 MB retained · 40,000 entries · +39 MB since #1'],
      [6, 'Leakscope: writes into sessions (growing +39 MB)'],
      [25, 'Leakscope: +31,000 entries added here to sessions · +38 MB'],
    ],
  );
  assert.ok(lenses.every((l) => l.suspectId === 'a1/suspect/0'));
  assert.deepEqual(lenses[2].stack.slice(0, 2), ['Allocation stack, innermost first:', '  handleRequest() map-cache.js:5']);

  const inexact = lineFindings(findingsOf(mapSuspect(file)), file).find((l) => l.line === 29);
  assert.equal(inexact?.text, 'Leakscope: +1,500 entries added in tick() to sessions · +2.0 MB');
});

test('the hover over a growth site shows its allocation stack, a frame per line, escaped', () => {
  const hostile = setSite(file, { stack: [{ ...at(file, 5, 22), functionName: '[run](command:workbench.action.terminal.new)<img src=x>', own: true }] });
  const [lens] = lineFindings(findingsOf(mapSuspect(file, { growthSites: [hostile] })), file).filter((l) => l.line === 25);
  const markdown = hoverMarkdown([lens]);
  const [title, heading, frame] = markdown.split(/\n\n| {2}\n/);
  assert.equal(title, `**${escapeMarkdown('Leakscope: +30,700 entries added here to sessions · +37 MB')}**`);
  assert.equal(heading, escapeMarkdown('Allocation stack, innermost first:'));
  assert.equal(frame, escapeMarkdown('[run](command:workbench.action.terminal.new)<img src=x>() map-cache.js:5'));
  assert.doesNotMatch(markdown.replace(/&#\d+;/g, ''), /[<>[\]()]/);
});

test('heap strings in a hover stay text: no HTML, no links, no command URIs', () => {
  const hostile = '<img src=x onerror=alert(1)> [run](command:workbench.action.terminal.new) **bold** `code`\n# heading';
  const escaped = escapeMarkdown(hostile);
  assert.doesNotMatch(escaped.replace(/&#\d+;/g, ''), /[<>[\]()*`#\n]/);
  // Every character survives, as an entity a Markdown renderer shows literally.
  const decoded = escaped.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
  assert.equal(decoded, hostile.replace('\n', ' '));
});

test('a snapshot folder inside a git work tree is made to ignore snapshots; elsewhere it is left alone', async () => {
  const repo = scratch('git');
  execFileSync('git', ['init', '-q', repo]);
  const folder = join(repo, 'snapshots');
  assert.equal(await prepareSnapshotFolder(folder), 'ignored-now');
  assert.match(readFileSync(join(folder, '.gitignore'), 'utf8'), /^\*$/m);
  const status = execFileSync('git', ['-C', repo, 'status', '--porcelain', '--untracked-files=all'], { encoding: 'utf8' });
  assert.equal(status, '', 'nothing in the folder shows up for git, not even its .gitignore');
  assert.equal(await prepareSnapshotFolder(folder), 'already-ignored');

  const ignoredByRepo = join(repo, 'ignored');
  execFileSync('sh', ['-c', `echo ignored/ >> ${join(repo, '.gitignore')}`]);
  assert.equal(await prepareSnapshotFolder(ignoredByRepo), 'already-ignored');

  assert.equal(await prepareSnapshotFolder(join(scratch('nogit'), 'snaps')), 'not-in-git');

  // A folder that holds more than snapshots (`--out .`) gets no `*`: it would hide the rest.
  const project = scratch('git-project');
  execFileSync('git', ['init', '-q', project]);
  writeFileSync(join(project, 'app.js'), 'console.log(1);\n');
  assert.equal(await prepareSnapshotFolder(project), 'not-ignored');
  assert.ok(!existsSync(join(project, '.gitignore')));
  assert.match(execFileSync('git', ['-C', project, 'status', '--porcelain'], { encoding: 'utf8' }), /app\.js/);
});

test('snapshot file names sort by time and hold nothing a path could trip on', () => {
  const at = new Date('2026-11-29T10:04:05Z');
  assert.equal(snapshotFileName('Map cache', at, 1), 'Map-cache-2026-11-29T10-04-05-1.heapsnapshot');
  assert.equal(snapshotFileName('../../etc/passwd', at, 2), 'etc-passwd-2026-11-29T10-04-05-2.heapsnapshot');
  assert.equal(snapshotFileName('', at, 3), 'node-2026-11-29T10-04-05-3.heapsnapshot');
});

test('the process picker shows a command line as text: no icon from $(…), no broken row', () => {
  const pick = processPick({ pid: 4242, name: 'node', argv: ['node', 'server.js', '--banner=$(zap) [x](command:workbench.action.quit)', 'line1\nline2'], isNode: true });
  assert.deepEqual(pick, {
    label: 'node',
    description: 'pid 4242',
    detail: 'node server.js --banner=\\$(zap) [x](command:workbench.action.quit) line1 line2',
    pid: 4242,
  });
  // Already backslashed, it stays as typed: the backslash shows too.
  assert.equal(plainPickText('\\$(zap)'), '\\\\$(zap)');
});
