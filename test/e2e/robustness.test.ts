// Leakscope in a real VS Code when things go wrong: the debug session stopped in the middle of
// a capture, and heap strings that are HTML. Programs in test/fixtures/e2e-workspace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { outputFolder, programNode, programPid, startVSCode, type VSCode } from './vscode.ts';
import { scratch } from '../helpers/paths.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = outputFolder('robustness');
/** The Map's property name and its keys' prefix in hostile-strings.js; its class is named `Entry` + this. */
const HOSTILE = '<img src=x onerror="window.__pwned=1">';

let vscode: VSCode;
let folder: string;
let workspace: string;
let snapshotFolder: string;

before(async () => {
  // A copy: the debugged programs run from it, and nothing is written into the repository.
  folder = scratch('e2e-robustness');
  workspace = join(folder, 'workspace');
  snapshotFolder = join(folder, 'snapshots');
  cpSync(join(ROOT, 'test/fixtures/e2e-workspace'), workspace, { recursive: true });
  vscode = await startVSCode({
    workspace,
    vsix: join(ROOT, 'leakscope.vsix'),
    outDir: OUT,
    settings: { 'leakscope.snapshotFolder': snapshotFolder },
  });
});

after(async () => {
  await vscode?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

function captureButton(page: Page) {
  return page.locator('.debug-toolbar .action-label[aria-label*="Capture Heap Snapshot"]');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Files in the snapshot folder other than a .gitignore (none: the folder may not exist yet). */
function snapshotFiles(): string[] {
  try {
    return readdirSync(snapshotFolder).filter((f) => f !== '.gitignore');
  } catch {
    return [];
  }
}

/** Runs a test's steps; on failure, a screenshot of where it stopped goes beside the others. */
function onFailureScreenshot(name: string, steps: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await steps();
    } catch (error) {
      await vscode.screenshot(`${name}-failed`).catch(() => {});
      throw error;
    }
  };
}

test('stopping the debug session mid-capture: a clear message, and no stray file in the snapshot folder', { timeout: 180_000 }, onFailureScreenshot('6', async () => {
  const { page } = vscode;
  // F5: the first configuration, "Big heap" (600,000 objects: a snapshot takes several seconds).
  await page.keyboard.press('F5');
  await captureButton(page).waitFor({ timeout: 60_000 });
  const pid = await programPid(join(workspace, 'big-heap.js'));
  const node = programNode();
  if (node) assert.equal(readlinkSync(`/proc/${pid}/exe`), realpathSync(node), 'the program runs on the Node asked for');

  await captureButton(page).click();
  const progress = page.locator('.notification-toast', { hasText: 'capturing a heap snapshot' });
  await progress.filter({ hasText: /\d+%/ }).waitFor({ timeout: 30_000 });
  // The capture is on its way: V8 is walking the heap, and the file it will stream to exists as a partial file.
  const during = snapshotFiles();
  assert.ok(during.length === 1 && during[0]!.endsWith('.heapsnapshot.partial'), `while capturing, the snapshot folder holds: ${during.join(', ')}`);
  await vscode.screenshot('6-capturing');

  await page.keyboard.press('Shift+F5');
  const ended = page.locator('.notification-toast', { hasText: 'during the heap snapshot' });
  await ended.waitFor({ timeout: 30_000 });
  assert.equal(
    await ended.locator('.notification-list-item-message').innerText(),
    'Leakscope: the debug session ended during the heap snapshot; nothing was saved.',
  );
  await progress.waitFor({ state: 'detached', timeout: 10_000 });
  await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
  await vscode.screenshot('6-stopped-mid-capture');

  // Nothing now, nor a moment later (a write still under way would show up).
  for (let k = 0; k < 15; k++) {
    assert.deepEqual(snapshotFiles(), [], 'no snapshot and no partial file in the snapshot folder');
    await sleep(200);
  }
  for (let k = 0; k < 50 && isAlive(pid); k++) await sleep(100);
  assert.ok(!isAlive(pid), `the debugged program (pid ${pid}) still runs after Shift+F5`);
  // The other messages must not have been shown instead.
  const texts = await vscode.notifications();
  assert.ok(!texts.some((t) => /snapshot failed|cancelled/.test(t)), `unexpected notifications: ${texts.join(' | ')}`);
}));

test('heap strings holding HTML show as text in the trees and the panel, and run nothing', { timeout: 300_000 }, onFailureScreenshot('7', async () => {
  const { page } = vscode;
  await vscode.runCommand('Debug: Select and Start Debugging');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Hostile strings' }).click();
  await captureButton(page).waitFor({ timeout: 60_000 });
  await page.locator('.activitybar [aria-label^="Leakscope"]').first().click();
  // Three captures some seconds apart, each listed in Snapshots once taken, then analysed.
  const snapshots = vscode.leakscopePane('Snapshots').locator('.monaco-list-row', { hasText: /^#\d/ });
  const busy = page.locator('.notification-toast', { hasText: /capturing a heap snapshot|comparing \d snapshots|analysing/ });
  for (let k = 1; k <= 3; k++) {
    await sleep(k === 1 ? 1000 : 2000);
    await captureButton(page).click();
    await snapshots.nth(k - 1).waitFor({ timeout: 60_000 });
    await busy.first().waitFor({ state: 'detached', timeout: 60_000 });
  }

  // The Suspects tree: the Map as suspect 1, its title and retainer path the program's own strings.
  const suspects = vscode.leakscopePane('Suspects');
  await suspects.locator('.monaco-list-row').first().filter({ hasText: /^Leak: / }).waitFor({ timeout: 30_000 });
  const first = suspects.locator('.monaco-list-row').nth(1);
  assert.equal((await first.locator('.label-name').innerText()).trim(), `1. Map ${HOSTILE}`);
  if ((await first.getAttribute('aria-expanded')) !== 'true') await first.locator('.monaco-tl-twistie').click();
  // One of its children lists what holds it: "Held by (nearest first, …)".
  const pathHeader = await vscode.treeRow(suspects, suspects.locator('.monaco-list-row', { hasText: /^Held by|^Retainer path/ }));
  if ((await pathHeader.getAttribute('aria-expanded')) !== 'true') await pathHeader.locator('.monaco-tl-twistie').click();
  const step = await vscode.treeRow(suspects, suspects.locator('.monaco-list-row', { hasText: '<img src=x onerror=' }).filter({ hasNotText: /^1\. / }));
  assert.equal((await step.innerText()).trim(), `.${HOSTILE}`);
  assert.equal(await suspects.locator('.monaco-list-row img').count(), 0, 'no <img> element in the Suspects tree');

  // Top Retainers: the class named like a tag, as text.
  const retainers = vscode.leakscopePane('Top Retainers');
  const retainersHeader = retainers.locator('.pane-header');
  if ((await retainersHeader.getAttribute('aria-expanded')) !== 'true') await retainersHeader.click();
  // The pane is short and the class far down its list.
  const hostileClass = await vscode.treeRow(retainers, retainers.locator('.monaco-list-row', { hasText: 'Entry<img src=x onerror=' }), 20_000);
  assert.equal((await hostileClass.locator('.label-name').innerText()).trim(), 'Entry<img src=x onerror="window.__pwned=2">');
  assert.equal(await retainers.locator('.monaco-list-row img').count(), 0, 'no <img> element in Top Retainers');

  // The Memory Growth panel: the suspect's title in the legend, as text.
  const panel = await vscode.memoryPanel();
  const legend = panel.locator('.suspects .u-series .u-label', { hasText: HOSTILE });
  await legend.first().waitFor({ timeout: 30_000 });
  assert.equal((await legend.first().innerText()).trim(), `Map \`${HOSTILE}\` keeps growing`);
  assert.equal(await panel.locator('img').count(), 0, 'no <img> element in the Memory Growth panel');
  await vscode.screenshot('7-hostile-strings');

  // The hover over the Map's line: its retainer path, escaped Markdown.
  // Rows are positional while the tree is scrolled (above, to the path): find the suspect by its text.
  await (await vscode.treeRow(suspects, suspects.locator('.monaco-list-row', { hasText: /^1\. Map / }))).click();
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await page.locator('.tab.active', { hasText: 'hostile-strings.js' }).waitFor({ timeout: 15_000 });
  await editor.locator('.codelens-decoration', { hasText: 'retained' }).waitFor({ timeout: 30_000 });
  await editor.locator('.view-line', { hasText: 'const registry' }).locator('span', { hasText: 'registry' }).first().hover();
  const hover = page.locator('.monaco-hover', { hasText: 'Held by' });
  await hover.waitFor({ timeout: 15_000 });
  assert.ok((await hover.innerText()).includes(`.${HOSTILE} → Map`), await hover.innerText());
  assert.equal(await hover.locator('img').count(), 0, 'no <img> element in the hover');
  await vscode.screenshot('7-hover');

  // Whatever got into any DOM, nothing ran: no frame has the flag the payloads would set, and
  // no frame has an image pointing at "x".
  for (const frame of page.frames()) {
    // A string, evaluated in the frame: this file is compiled without the DOM's types.
    const found = await frame.evaluate(`({
      pwned: typeof window.__pwned,
      images: [...document.querySelectorAll('img')].filter((img) => img.getAttribute('src') === 'x').length,
    })`);
    assert.deepEqual(found, { pwned: 'undefined', images: 0 }, `frame ${frame.url()}`);
  }

  await page.keyboard.press('Shift+F5');
  await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
}));
