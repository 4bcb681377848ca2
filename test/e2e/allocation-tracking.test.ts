// With leakscope.allocationTracking.enabled, a debug session's snapshots carry allocation
// stacks through js-debug's CDP proxy: the Map cache's growth site comes with what it added.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { outputFolder, startVSCode, workspaceCopy, type VSCode } from './vscode.ts';

const ROOT = resolve(import.meta.dirname, '../..');
let vscode: VSCode;

before(async () => {
  const { workspace, snapshotFolder } = workspaceCopy('examples', 'e2e-tracking');
  vscode = await startVSCode({
    workspace,
    vsix: join(ROOT, 'leakscope.vsix'),
    outDir: outputFolder('allocation-tracking'),
    settings: { 'leakscope.snapshotFolder': snapshotFolder, 'leakscope.allocationTracking.enabled': true },
  });
});

after(async () => {
  await vscode?.close();
});

test('allocation tracking on: Grows at shows the bytes and entries the statement added, and its lens says so', async () => {
  const { page } = vscode;
  await page.keyboard.press('F5');
  await vscode.captureButton().waitFor({ timeout: 60_000 });
  await page.locator('.activitybar [aria-label^="Leakscope"]').first().click();
  for (let k = 0; k < 3; k++) {
    await sleep(2000);
    await vscode.captureFromToolbar();
  }
  const suspects = vscode.leakscopePane('Suspects');
  await suspects.locator('.monaco-list-row').first().filter({ hasText: /^Leak: / }).waitFor({ timeout: 30_000 });
  const first = suspects.locator('.monaco-list-row', { hasText: /^1\. Map sessions/ });
  if ((await first.getAttribute('aria-expanded')) !== 'true') await first.locator('.monaco-tl-twistie').click();
  const site = await vscode.treeRow(suspects, suspects.locator('.monaco-list-row', { hasText: /^map-cache\.js:14 sessions\.set\(…\)/ }));
  // Measured from the stacks, not only found in the source: what it added since the previous snapshot.
  assert.match(await site.innerText(), /\+[\d.]+ [KM]B \(\+[\d,]+ entries\)/);
  await site.click();
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.locator('.line-numbers.active-line-number', { hasText: /^14$/ }).waitFor({ timeout: 10_000 });
  const lens = editor.locator('.codelens-decoration', { hasText: /entries added here to sessions/ });
  await lens.waitFor({ timeout: 30_000 });
  assert.match(await lens.innerText(), /^Leakscope: \+[\d,]+ entries added here to sessions · \+[\d.]+ [KM]B/);
  await vscode.screenshot('1-tracked-site');
  await page.keyboard.press('Shift+F5');
  await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
});
