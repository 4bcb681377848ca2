// Issue 5 in the real VS Code: the debug toolbar's Dump Async Resources on the stuck-workers
// example, and "Analyze with Leakscope" on a .heapsnapshot in the Explorer.
// The workspace is a copy of examples/ in a temp folder: the tests write a snapshot into it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Locator } from 'playwright-core';
import { bytes, escapeRegExp, outputFolder, startVSCode, type VSCode } from './vscode.ts';
import { scratch } from '../helpers/paths.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SNAPSHOT = 'fixture.heapsnapshot';
let vscode: VSCode;
let workspace: string | undefined;

// 10,000 records in a Map that a global keeps: the biggest Map of the process by far (some
// MB; Node's own Maps retain a few hundred KB at most).
const SNAPSHOT_PROGRAM = `
class FixtureRecord {
  constructor(id) { this.id = id; this.note = ('record ' + id + ' ').padEnd(120, '.'); }
}
globalThis.records = new Map();
for (let i = 0; i < 10000; i++) records.set(i, new FixtureRecord(i));
require('v8').writeHeapSnapshot(process.argv[1]);
`;

before(async () => {
  workspace = scratch('e2e-workspace');
  cpSync(join(ROOT, 'examples'), workspace, { recursive: true });
  await promisify(execFile)(process.execPath, ['-e', SNAPSHOT_PROGRAM, join(workspace, SNAPSHOT)]);
  vscode = await startVSCode({ workspace, vsix: join(ROOT, 'leakscope.vsix'), outDir: outputFolder('async-and-files') });
});

after(async () => {
  await vscode?.close();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

test('Debug the stuck-workers example and click Dump Async Resources: the awaiting worker\'s group appears, and its count grows on a second dump', { timeout: 180_000 }, () => explained('async', async () => {
  const { page } = vscode;
  await vscode.runCommand('Debug: Select and Start Debugging');
  // The palette closes and the launch configurations show in its place: wait for them, then
  // type (fill() would wipe the quick pick's own text) until ours is the one Enter picks.
  const configuration = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^Stuck workers$/ }) });
  await configuration.waitFor({ timeout: 30_000 });
  await page.keyboard.type('Stuck workers');
  await configuration.and(page.locator('.focused')).waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  await page.locator('.debug-toolbar').waitFor({ timeout: 60_000 });
  // The button shows once Leakscope watches the session (leakscope.watching).
  const dump = page.locator('.debug-toolbar .action-label[aria-label*="Dump Async Resources"]');
  await dump.waitFor({ timeout: 30_000 });

  await showContainer('Leakscope', leakscope());
  await dump.click();
  const tree = vscode.leakscopePane('Async Resources');
  await expand(row(tree, 'PROMISE'));
  // requestReply's `new Promise`, which every stuck worker awaits.
  const group = await vscode.treeRow(tree, row(tree, 'stuck-workers.js:11'), 30_000);
  const first = await description(group);
  assert.match(first, /^[\d,]+$/, `one dump, one count: "${await group.innerText()}"`);
  const n = count(first);
  assert.ok(n > 0, `no stuck promise counted at stuck-workers.js:11: "${first}"`);

  await sleep(2000);
  await dump.click();
  await group.locator('.label-description', { hasText: '→' }).waitFor({ timeout: 30_000 });
  const text = await description(group);
  const second = /^([\d,]+) → ([\d,]+) \(\+([\d,]+)\)$/.exec(text);
  assert.ok(second, `no growth between the dumps in "${text}"`);
  const [was, now, growth] = second.slice(1).map(count) as [number, number, number];
  assert.equal(was, n, `the first dump's count changed: "${text}"`);
  assert.ok(now > was, `the stuck workers did not pile up between the dumps: "${text}"`);
  assert.equal(growth, now - was, `"${text}"`);
  await vscode.screenshot('async-resources');

  // The row opens the line that created the promises.
  await group.locator('.label-name').click();
  await page.locator('.editor-group-container.active .tab.active', { hasText: 'stuck-workers.js' }).waitFor({ timeout: 30_000 });
  await page.locator('.editor-group-container.active .monaco-editor .line-numbers.active-line-number', { hasText: /^11$/ }).waitFor({ timeout: 30_000 });
  await vscode.screenshot('async-source');

  await page.keyboard.press('Shift+F5');
  await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
}));

test('Analyze with Leakscope on a .heapsnapshot from the Explorer: Top Retainers fills', { timeout: 120_000 }, () => explained('files', async () => {
  const { page } = vscode;
  await showContainer('Explorer', page.locator('[id="workbench.view.explorer"]'));
  await vscode.contextMenu(page.locator('.explorer-folders-view .monaco-list-row', { hasText: SNAPSHOT }), 'Analyze with Leakscope');

  // The analysis ends by showing Top Retainers.
  const tree = vscode.leakscopePane('Top Retainers');
  const rows = tree.locator('.monaco-list-row[aria-level="1"]');
  await rows.nth(2).waitFor({ timeout: 60_000 });
  const classes = await rows.locator('.label-name').allInnerTexts();
  assert.ok(classes.slice(0, 3).includes('Map'), `the Map of 10,000 records is not among the first classes: ${classes.join(', ')}`);
  const map = row(tree, 'Map');
  assert.match(await description(map), /^[\d.]+ (B|KB|MB|GB|TB) · [\d,]+ objects$/);
  await vscode.screenshot('top-retainers');

  // A class's objects come from the worker on first expand, biggest first.
  await expand(map);
  const objects = tree.locator('.monaco-list-row[aria-level="2"]').filter({ has: page.locator('.label-name', { hasText: /^Map @\d+$/ }) });
  const biggest = await description(await vscode.treeRow(tree, objects, 30_000));
  assert.ok(bytes(biggest) >= 1024 * 1024, `the biggest Map (${biggest}) is not the one of 10,000 records`);
  await vscode.screenshot('top-retainers-map');
}));

/** A failed test leaves a screenshot, and says what the notifications said. */
async function explained(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const shot = await vscode.screenshot(`${name}-failed`).catch(() => 'none');
    const notes = await vscode.notifications().catch(() => []);
    const details = `\nscreenshot: ${shot}\nnotifications: ${notes.length ? notes.join(' | ') : 'none'}`;
    if (error instanceof Error) {
      error.message += details;
      error.stack = `${error.stack ?? ''}${details}`;
    }
    throw error;
  }
}

function leakscope(): Locator {
  return vscode.page.locator('[id="workbench.view.extension.leakscope"]');
}

/** Shows a view container of the activity bar; its item hides the side bar when clicked while showing. */
async function showContainer(label: string, container: Locator): Promise<void> {
  if (await container.isVisible()) return;
  await vscode.page.locator(`.activitybar .action-label[aria-label^="${label}"]`).click();
  await container.waitFor({ timeout: 30_000 });
}

/** A pane of the Leakscope view by its title (the header also holds the view's description). */
function row(tree: Locator, label: string): Locator {
  return tree.locator('.monaco-list-row').filter({ has: vscode.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) });
}

async function expand(item: Locator): Promise<void> {
  await item.waitFor({ timeout: 30_000 });
  if ((await item.getAttribute('aria-expanded')) === 'false') await item.locator('.monaco-tl-twistie').click();
}

async function description(item: Locator): Promise<string> {
  return (await item.locator('.label-description').innerText()).trim();
}

/** `11,280` → 11280. */
function count(text: string): number {
  return Number(text.replaceAll(',', ''));
}

