// VS Code itself, before any extension: the examples folder opens and F5 debugs its first
// launch configuration (Map cache).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startVSCode, type VSCode } from './vscode.ts';

const ROOT = resolve(import.meta.dirname, '../..');
let vscode: VSCode;

before(async () => {
  vscode = await startVSCode({ workspace: join(ROOT, 'examples'), outDir: join(ROOT, 'test-output/e2e/smoke') });
});

after(async () => {
  await vscode?.close();
});

test('F5 starts the Map cache example under the debugger and Shift+F5 stops it', async () => {
  const { page } = vscode;
  await page.keyboard.press('F5');
  await page.locator('.debug-toolbar').waitFor({ timeout: 60_000 });
  // The Call Stack names the session "map-cache.js [pid] « Map cache".
  const session = page.locator('.debug-call-stack .monaco-list-row', { hasText: 'Map cache' }).filter({ hasText: /running/i });
  await session.waitFor({ timeout: 30_000 });
  const pid = Number(/\[(\d+)\]/.exec(await session.innerText())?.[1]);
  assert.ok(isAlive(pid), `the debugged program (pid ${pid}) is not running`);
  await vscode.screenshot('debugging');

  await page.keyboard.press('Shift+F5');
  await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
  await session.first().waitFor({ state: 'detached', timeout: 10_000 });
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
  assert.ok(!isAlive(pid), `the debugged program (pid ${pid}) still runs after Shift+F5`);
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
