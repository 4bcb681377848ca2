// The Map-cache example debugged in a real VS Code: live memory, three captures from the
// debug toolbar, suspect 1 with its growth, and a click that lands on the declaring line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Frame } from 'playwright-core';
import { bytes, outputFolder, programNode, programPid, startVSCode, workspaceCopy, type VSCode } from './vscode.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = outputFolder('map-cache');
let vscode: VSCode;
let workspace: string;
let snapshotFolder: string;

before(async () => {
  ({ workspace, snapshotFolder } = workspaceCopy('examples', 'e2e-map-cache'));
  vscode = await startVSCode({ workspace, vsix: join(ROOT, 'leakscope.vsix'), outDir: OUT, settings: { 'leakscope.snapshotFolder': snapshotFolder } });
});

after(async () => {
  await vscode?.close();
});

/** A live-chart legend value as the panel shows it with the mouse away: "External: 53 MB". */
async function legendValue(frame: Frame, series: string): Promise<number> {
  const row = frame.locator('.live .u-series', { hasText: series }).first();
  return bytes(await row.locator('.u-value').innerText());
}

/** Picks an item of the open quick pick by typing its label, once it is the one Enter takes. */
async function pick(label: string): Promise<void> {
  const { page } = vscode;
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label });
  await row.first().waitFor({ timeout: 10_000 });
  await page.keyboard.type(label);
  await row.first().and(page.locator('.focused')).waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

test('debugging the Map cache: the status bar item appears and the Memory Growth chart rises', async () => {
  const { page } = vscode;
  await page.keyboard.press('F5');
  await page.locator('.debug-toolbar').waitFor({ timeout: 60_000 });
  const node = programNode();
  if (node) assert.equal(readlinkSync(`/proc/${await programPid(join(workspace, 'map-cache.js'))}/exe`), realpathSync(node), 'the program runs on the Node asked for');
  const status = page.locator('.statusbar-item', { hasText: /\d+(\.\d+)? [KMG]?B [↑↓→]/ });
  await status.waitFor({ timeout: 30_000 });
  await page.locator('.activitybar [aria-label^="Leakscope"]').first().click();
  const frame = await vscode.memoryPanel();
  await frame.locator('.live .u-series', { hasText: 'External' }).waitFor({ timeout: 30_000 });
  const before = await legendValue(frame, 'External');
  await sleep(5000);
  const after = await legendValue(frame, 'External');
  // Each session holds a 2 KB Buffer outside the JS heap, 2,000 sessions a second.
  assert.ok(after > before + 4 * 1024 * 1024, `external memory went from ${before} to ${after} bytes`);
  assert.match(await status.innerText(), /↑/, 'the status bar shows the heap rising');
  await vscode.screenshot('1-live-memory');

  // Hidden and shown again, the panel starts over and gets the whole series back.
  const header = page.locator('[id="workbench.view.extension.leakscope"] .pane-header', { hasText: 'Memory Growth' });
  await header.click();
  await header.click();
  const reloaded = await vscode.memoryPanel();
  await reloaded.locator('header .session', { hasText: 'Map cache' }).waitFor({ timeout: 30_000 });
  await reloaded.locator('.live .u-series', { hasText: 'External' }).waitFor({ timeout: 30_000 });
  assert.ok((await legendValue(reloaded, 'External')) >= after, 'the chart came back with its readings');
});

test('three captures from the debug toolbar: progress, then the Map as suspect 1 with its growth', async () => {
  const { page } = vscode;
  const capture = page.locator('.debug-toolbar .action-label[aria-label*="Capture Heap Snapshot"]');
  const progress = page.locator('.notification-toast', { hasText: 'capturing a heap snapshot' });
  const analysing = page.locator('.notification-toast', { hasText: /comparing \d snapshots|analysing/ });
  for (let k = 1; k <= 3; k++) {
    await capture.click();
    await progress.waitFor({ timeout: 10_000 });
    assert.match(await progress.innerText(), /Map cache/);
    await progress.waitFor({ state: 'detached', timeout: 60_000 });
    await analysing.waitFor({ state: 'detached', timeout: 60_000 });
    const snapshots = vscode.leakscopePane('Snapshots').locator('.monaco-list-row', { hasText: /^#\d/ });
    await snapshots.nth(k - 1).waitFor({ timeout: 10_000 });
    assert.equal(await snapshots.count(), k, `Snapshots lists ${k} snapshot(s)`);
    if (k < 3) await sleep(2500);
  }
  const suspects = vscode.leakscopePane('Suspects');
  const verdict = suspects.locator('.monaco-list-row').first();
  await verdict.filter({ hasText: /^Leak: / }).waitFor({ timeout: 30_000 });
  const first = suspects.locator('.monaco-list-row').nth(1);
  const text = await first.innerText();
  assert.match(text, /^1\. Map sessions/);
  const growth = /\+([\d.]+ [KM]B) \(\+([\d,]+) entries\) in (\d+) s/.exec(text);
  assert.ok(growth, `no growth in "${text}"`);
  assert.ok(bytes(growth[1]) > 1024 * 1024 && Number(growth[2].replace(/,/g, '')) > 5000, text);
  await vscode.screenshot('2-suspects');
});

test("clicking the suspect opens map-cache.js on the Map's line, with the CodeLens above it", async () => {
  const { page } = vscode;
  const first = vscode.leakscopePane('Suspects').locator('.monaco-list-row', { hasText: '1. Map' });
  await first.click();
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await page.locator('.tab.active', { hasText: 'map-cache.js' }).waitFor({ timeout: 15_000 });
  await editor.locator('.line-numbers.active-line-number', { hasText: /^5$/ }).waitFor({ timeout: 10_000 });
  const lens = editor.locator('.codelens-decoration', { hasText: 'retained' });
  await lens.waitFor({ timeout: 30_000 });
  assert.match(await lens.innerText(), /^Leakscope: [\d.]+ [KM]B retained · [\d,]+ entries · \+[\d.]+ [KM]B since #1/);
  // The lens sits right above line 5: the next line number below it in the editor is 5.
  const lensTop = (await lens.boundingBox())!.y;
  const lineFive = (await editor.locator('.line-numbers', { hasText: /^5$/ }).boundingBox())!.y;
  assert.ok(lineFive > lensTop && lineFive - lensTop < 30, `lens at y=${lensTop}, line 5 at y=${lineFive}`);
  // A click also expanded the suspect: what holds it, nearest first, each step a row.
  if ((await first.getAttribute('aria-expanded')) !== 'true') await first.locator('.monaco-tl-twistie').click();
  const suspects = vscode.leakscopePane('Suspects');
  const holder = await vscode.treeRow(suspects, suspects.locator('.monaco-list-row', { hasText: '(module map-cache.js) sessions' }));
  assert.match(await holder.innerText(), /map-cache\.js:5$/, 'the step names the line it opens');
  await vscode.screenshot('3-suspect-at-line');

  // Grows at: the statement that feeds the Map opens on a click, with its own CodeLens.
  const site = await vscode.treeRow(suspects, suspects.locator('.monaco-list-row', { hasText: /^map-cache\.js:14 sessions\.set\(…\)/ }));
  await site.click();
  await editor.locator('.line-numbers.active-line-number', { hasText: /^14$/ }).waitFor({ timeout: 10_000 });
  const siteLens = editor.locator('.codelens-decoration', { hasText: 'sessions' }).filter({ hasNotText: 'retained' });
  await siteLens.waitFor({ timeout: 30_000 });
  const siteTop = (await siteLens.boundingBox())!.y;
  const line14 = (await editor.locator('.line-numbers', { hasText: /^14$/ }).boundingBox())!.y;
  assert.ok(line14 > siteTop && line14 - siteTop < 30, `lens at y=${siteTop}, line 14 at y=${line14}`);
  await vscode.screenshot('3b-grows-at');
  await page.keyboard.press('Shift+F5');
  await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
});

test('Snapshots: the session keeps its three after it ends; compare two of them, delete one', async () => {
  const { page } = vscode;
  const pane = vscode.leakscopePane('Snapshots');
  const rows = pane.locator('.monaco-list-row', { hasText: /^#\d/ });
  assert.equal(await rows.count(), 3);
  const onDisk = () => readdirSync(snapshotFolder).filter((f) => f.endsWith('.heapsnapshot')).sort();
  assert.equal(onDisk().length, 3);

  await rows.nth(0).click();
  await rows.nth(2).click({ modifiers: ['ControlOrMeta'] });
  await vscode.contextMenu(rows.nth(2), 'Compare Selected Snapshots');
  // Two snapshots can show growth but not that it goes on.
  const verdict = vscode.leakscopePane('Suspects').locator('.monaco-list-row').first();
  await verdict.filter({ hasText: /^Need another snapshot: 1 object\(s\) grew between the two snapshots/ }).waitFor({ timeout: 60_000 });

  const second = rows.nth(1);
  const name = onDisk()[1];
  await vscode.contextMenu(second, 'Delete Snapshot');
  await page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Delete$/ }).click();
  await rows.nth(2).waitFor({ state: 'detached', timeout: 10_000 });
  assert.equal(await rows.count(), 2);
  assert.ok(!onDisk().includes(name), `${name} is still on disk`);
  await vscode.screenshot('4-snapshots');
});

test("the debugger's own heap profile resets V8's object ids: the next capture says so and starts over", async () => {
  const { page } = vscode;
  await page.keyboard.press('F5');
  await vscode.captureButton().waitFor({ timeout: 60_000 });
  await vscode.captureFromToolbar();

  // "Debug: Take Performance Profile" → Heap Profile → Manual, then stop it: js-debug turns
  // the HeapProfiler off when its profile ends.
  await vscode.runCommand('Debug: Take Performance Profile');
  await pick('Heap Profile');
  await pick('Manual');
  await sleep(2000);
  await vscode.runCommand('Debug: Stop Performance Profile');
  await page.locator('.tab', { hasText: '.heapprofile' }).waitFor({ timeout: 30_000 });

  await vscode.captureFromToolbar();
  const warning = page.locator('.notification-toast', { hasText: 'restarted its object ids' });
  await warning.waitFor({ timeout: 10_000 });
  assert.match(await warning.innerText(), /turned it back on; growth is measured again from this snapshot/);
  const rows = vscode.leakscopePane('Snapshots').locator('.monaco-list-row', { hasText: /^#\d/ });
  assert.match(await rows.nth(1).innerText(), /ids restarted/);
  // Growth is measured again from the new snapshot: one snapshot, no verdict yet.
  const verdict = vscode.leakscopePane('Suspects').locator('.monaco-list-row').first();
  assert.match(await verdict.innerText(), /^Need another snapshot: one snapshot shows what is held/);
  await vscode.screenshot('5-ids-restarted');
  await page.keyboard.press('Shift+F5');
  await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
});

test('a TypeScript program: the suspect opens the .ts source through its source map, with the CodeLens there', async () => {
  const { page } = vscode;
  await vscode.runCommand('Debug: Select and Start Debugging');
  await pick('TypeScript service');
  await vscode.captureButton().waitFor({ timeout: 60_000 });
  for (let k = 0; k < 3; k++) {
    await sleep(2000);
    await vscode.captureFromToolbar();
  }
  const suspect = vscode.leakscopePane('Suspects').locator('.monaco-list-row', { hasText: /^1\. Map sessions/ });
  await suspect.waitFor({ timeout: 30_000 });
  await suspect.click();
  // The program runs dist/server.js; the source it was built from is ts-service/src/session-store.ts.
  await page.locator('.tab.active', { hasText: 'session-store.ts' }).waitFor({ timeout: 15_000 });
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.locator('.line-numbers.active-line-number', { hasText: /^12$/ }).waitFor({ timeout: 10_000 });
  await editor.locator('.codelens-decoration', { hasText: /^Leakscope: [\d.]+ [KM]B retained · [\d,]+ entries/ }).waitFor({ timeout: 30_000 });
  // The line that feeds it is a .ts line too.
  if ((await suspect.getAttribute('aria-expanded')) !== 'true') await suspect.locator('.monaco-tl-twistie').click();
  const suspects = vscode.leakscopePane('Suspects');
  const site = await vscode.treeRow(suspects, suspects.locator('.monaco-list-row', { hasText: /^session-store\.ts:22 this\.sessions\.set\(…\)/ }));
  await site.click();
  await editor.locator('.line-numbers.active-line-number', { hasText: /^22$/ }).waitFor({ timeout: 10_000 });
  await vscode.screenshot('6-typescript');
  await page.keyboard.press('Shift+F5');
  await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
});
