// The leak watch in a real VS Code: switched on from the status bar, it snapshots the Map
// cache by itself once its memory keeps climbing and says "leak suspected" with a Show button;
// a program whose memory stays flat is never snapshotted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { outputFolder, startVSCode, workspaceCopy, type VSCode } from './vscode.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = outputFolder('leak-watch');
/** The disk budget asked for: the baseline and the two newest. */
const KEEP = 3;
let vscode: VSCode;
let workspace: string;
let snapshotFolder: string;

before(async () => {
  ({ workspace, snapshotFolder } = workspaceCopy('examples', 'e2e-leak-watch'));
  vscode = await startVSCode({
    workspace,
    vsix: join(ROOT, 'leakscope.vsix'),
    outDir: OUT,
    // A rule for minutes, not hours: 1 MB/min over 8 s, a snapshot every 4 s at most.
    settings: {
      'leakscope.snapshotFolder': snapshotFolder,
      'leakscope.watch.growthMbPerMinute': 1,
      'leakscope.watch.windowSeconds': 8,
      'leakscope.watch.minSecondsBetweenSnapshots': 4,
      'leakscope.watch.keepSnapshots': KEEP,
    },
  });
});

after(async () => {
  await vscode?.close();
});

const onDisk = () => (existsSync(snapshotFolder) ? readdirSync(snapshotFolder).filter((f) => f.endsWith('.heapsnapshot')) : []);

test('the leak watch, switched on from the status bar, snapshots the Map cache by itself and says "leak suspected" with Show', async () => {
  const { page } = vscode;
  await page.keyboard.press('F5');
  await vscode.captureButton().waitFor({ timeout: 60_000 });
  const watchItem = page.locator('.statusbar-item', { hasText: 'Leak watch' });
  await watchItem.locator('.codicon-eye-closed').waitFor({ timeout: 30_000 });
  await watchItem.click();
  await watchItem.locator('.codicon-eye').waitFor({ timeout: 10_000 });

  const alert = page.locator('.notification-toast', { hasText: 'leak suspected' });
  await alert.waitFor({ timeout: 120_000 });
  const text = await alert.innerText();
  assert.match(text, /Map cache: leak suspected: Map `sessions` keeps growing, \+[\d.]+ [KM]B \(\+[\d,]+ entries\) in \d+ s/);
  const taken = onDisk().length;
  assert.ok(taken >= 2 && taken <= KEEP, `${taken} snapshot(s) on disk`);
  await vscode.screenshot('1-leak-suspected');

  await alert.locator('.monaco-button', { hasText: 'Show' }).click();
  const suspects = vscode.leakscopePane('Suspects');
  const selected = suspects.locator('.monaco-list-row.selected');
  await selected.waitFor({ timeout: 10_000 });
  assert.match(await selected.innerText(), /^1\. Map sessions/);

  // Within its disk budget: the baseline and the newest, however many it takes. Rows keep the
  // number they were taken with: once the fourth is in, the second has gone.
  const rows = vscode.leakscopePane('Snapshots').locator('.monaco-list-row', { hasText: /^#\d/ });
  const baseline = onDisk().sort()[0];
  await vscode.treeRow(vscode.leakscopePane('Snapshots'), rows.filter({ hasText: new RegExp(`^#${KEEP + 1}\\b`) }), 60_000);
  const labels = (await rows.allInnerTexts()).map((text) => Number(/^#(\d+)/.exec(text)![1]));
  assert.equal(labels.length, KEEP, labels.join(', '));
  assert.equal(labels[0], 1, 'the baseline is listed first');
  assert.ok(labels.every((n, k) => k === 0 || n > labels[k - 1]) && labels.at(-1)! > KEEP, labels.join(', '));
  assert.equal(onDisk().length, KEEP, onDisk().join(', '));
  assert.ok(onDisk().includes(baseline), 'the baseline is kept');
  await vscode.screenshot('2-within-budget');
  await page.keyboard.press('Shift+F5');
  await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
});

test('with the leak watch on, a bounded cache is never snapshotted; the Snapshots view switches it off', async () => {
  const { page } = vscode;
  const before = onDisk().length;
  await vscode.runCommand('Debug: Select and Start Debugging');
  const option = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Bounded cache (no leak)' });
  await option.first().click();
  await vscode.captureButton().waitFor({ timeout: 60_000 });
  // Three windows of the rule: readings enough for a trend, and none climbs.
  await sleep(25_000);
  assert.equal(onDisk().length, before, 'no snapshot of a program whose memory stays flat');

  const header = vscode.leakscopePane('Snapshots').locator('.pane-header');
  await header.hover();
  await header.locator('.action-label[aria-label="Stop Leak Watch"]').click();
  await page.locator('.statusbar-item', { hasText: 'Leak watch' }).locator('.codicon-eye-closed').waitFor({ timeout: 10_000 });
  await page.keyboard.press('Shift+F5');
  await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
});
