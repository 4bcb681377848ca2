// Real VS Code for end-to-end tests: code-server (installed by scripts/e2e-setup.sh) driven
// through Debian's Chromium with playwright-core.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';
import { nodeVersions } from '../helpers/node-versions.ts';
import { scratch } from '../helpers/paths.ts';

// Which code-server release, each installed by scripts/e2e-setup.sh into a folder of its own:
// 4.96.4 (VS Code 1.96, the oldest engines.vscode accepts, on Node 20) unless this names another
// (4.139.1: VS Code 1.139 on Node 24).
const CODE_SERVER = process.env.LEAKSCOPE_E2E_CODE_SERVER ?? '4.96.4';
const INSTALL = join(process.env.LEAKSCOPE_E2E_CACHE ?? join(homedir(), '.cache/leakscope-e2e'), CODE_SERVER);
const ENTRY = join(INSTALL, 'node_modules/code-server/out/node/entry.js');
// The Node its native modules were built for, which may not be the one running the tests.
const NODE = join(INSTALL, 'node');
// The Node the debugged programs run on (a major, installed by scripts/node-setup.sh): js-debug
// starts that binary (debug.javascript.defaultRuntimeExecutable); unset, the `node` on PATH.
const PROGRAM_NODE = process.env.LEAKSCOPE_E2E_PROGRAM_NODE;
const ROOT = resolve(import.meta.dirname, '../..');
// Two cores: the server start and the first workbench load can take most of a minute.
const STARTUP_MS = 120_000;

// What a first start would otherwise show or fetch: welcome page, walkthroughs, prompts,
// and lookups on the network this machine doesn't have.
const QUIET_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.openRepositoryInParentFolders': 'never',
  'npm.fetchOnlinePackageInfo': false,
  'typescript.disableAutomaticTypeAcquisition': true,
  // Newer VS Code (1.139) opens a Chat view in a secondary side bar on first start, which
  // narrows the editor and asks for sign-in; 1.96 ignores these two.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  // Sticky scroll copies a tree's ancestor rows above it: the same text twice in a pane.
  'workbench.tree.enableStickyScroll': false,
};

export interface VSCodeOptions {
  workspace: string;
  /** A packaged extension, installed before VS Code starts. */
  vsix?: string;
  /** More of them (a test's own helper extension). */
  moreVsix?: string[];
  settings?: Record<string, unknown>;
  /** Screenshots and vscode.log (code-server's output) go here. */
  outDir: string;
}

export interface VSCode {
  page: Page;
  /** The Memory Growth panel's document: a webview, two iframes deep. */
  memoryPanel(): Promise<Frame>;
  /** Runs a command from the command palette by its exact title, e.g. "Debug: Start Debugging". */
  runCommand(title: string): Promise<void>;
  screenshot(name: string): Promise<string>;
  /** A view of the Leakscope container (Suspects, Snapshots…), by its title. */
  leakscopePane(title: string): Locator;
  /**
   * Waits for `row` in the tree of `pane` (a Leakscope pane, the Explorer) and scrolls the tree
   * until it is wholly in view. A tree renders only the rows in view, and how many fit in a
   * pane differs by a few pixels between VS Code versions.
   */
  treeRow(pane: Locator, row: Locator, timeoutMs?: number): Promise<Locator>;
  /** Runs an item of the context menu of `target` (a row), by its exact label. */
  contextMenu(target: Locator, label: string): Promise<void>;
  /** Texts of the notification toasts on screen. */
  notifications(): Promise<string[]>;
  /** The debug toolbar's camera, once Leakscope watches the session. */
  captureButton(): Locator;
  /** Clicks the camera and waits until the capture and the analysis after it are done. */
  captureFromToolbar(): Promise<void>;
  close(): Promise<void>;
}

/** The node binary the debugged programs run on, when LEAKSCOPE_E2E_PROGRAM_NODE picks one. */
export function programNode(): string | null {
  if (!PROGRAM_NODE) return null;
  const found = nodeVersions().find((n) => String(n.major) === PROGRAM_NODE);
  if (!found) throw new Error(`LEAKSCOPE_E2E_PROGRAM_NODE=${PROGRAM_NODE}: scripts/node-setup.sh installs no such Node`);
  return found.path;
}

/** The pid of the process running `script`; js-debug starts it as `node ./big-heap.js` in the workspace. */
export async function programPid(script: string): Promise<number> {
  for (let k = 0; k < 100; k++) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const cwd = readlinkSync(`/proc/${entry}/cwd`);
        const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
        if (args.some((arg) => arg && resolve(cwd, arg) === script)) return Number(entry);
      } catch {
        // exited meanwhile
      }
    }
    await sleep(100);
  }
  throw new Error(`no process runs ${script}`);
}

/**
 * A copy of a folder of the repository (`examples`, a fixture) to debug in, and a snapshot
 * folder beside it: the programs run from the copy, and nothing is written into the repository.
 */
export function workspaceCopy(source: string, name: string): { workspace: string; snapshotFolder: string } {
  const folder = scratch(name);
  const workspace = join(folder, 'workspace');
  cpSync(join(ROOT, source), workspace, { recursive: true });
  return { workspace, snapshotFolder: join(folder, 'snapshots') };
}

/** Where a test file's screenshots and logs go, one folder per VS Code it ran in. */
export function outputFolder(test: string): string {
  return join(ROOT, 'test-output/e2e', `code-server-${CODE_SERVER}`, test);
}

export async function startVSCode(options: VSCodeOptions): Promise<VSCode> {
  const outDir = resolve(options.outDir);
  const workspace = resolve(options.workspace);
  const logFile = join(outDir, 'vscode.log');
  mkdirSync(outDir, { recursive: true });
  const home = scratch('vscode');
  const userData = join(home, 'user-data');
  const extensions = join(home, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  const program = programNode();
  // VS Code takes PATH from a login shell, not from its own environment: name the binary.
  const runtime = program ? { 'debug.javascript.defaultRuntimeExecutable': { 'pwa-node': program } } : {};
  writeFileSync(join(userData, 'User/settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...runtime, ...options.settings }, null, 2));
  const dirs = ['--user-data-dir', userData, '--extensions-dir', extensions];
  // VS Code and Chromium keep config, logs and caches under these; not in the user's home.
  const env = { ...process.env, XDG_CONFIG_HOME: join(home, 'config'), XDG_DATA_HOME: join(home, 'data'), XDG_CACHE_HOME: join(home, 'cache') };

  const vsix = [options.vsix, ...(options.moreVsix ?? [])].filter((v) => v !== undefined).map((v) => resolve(v));

  let opened: Opened | undefined;
  const close = async () => {
    await opened?.shutdown();
    rmSync(home, { recursive: true, force: true });
  };
  try {
    opened = await openCodeServer(workspace, vsix, dirs, env, logFile);
    const { page } = opened;
    await page.locator('.monaco-workbench').waitFor({ timeout: STARTUP_MS }).catch(() => {
      throw new Error(`the workbench did not load within ${STARTUP_MS / 1000} s; see ${logFile}`);
    });
    await waitForExtensionHost(join(userData, 'logs'), logFile);

    const captureButton = () => page.locator('.debug-toolbar .action-label[aria-label*="Capture Heap Snapshot"]');
    return {
      page,
      close,
      async runCommand(title) {
        const input = page.locator('.quick-input-widget input.input');
        // Rows are filtered fuzzily; pick the one whose label is exactly the title.
        const row = page.locator('.quick-input-list .monaco-list-row').filter({
          has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }),
        });
        // The palette lists the commands enabled when it opens; a command whose `when` clause
        // its extension satisfies on activation comes later: reopen until it is there.
        const deadline = Date.now() + 30_000;
        for (;;) {
          await page.keyboard.press('F1');
          await input.fill(`>${title}`);
          try {
            await row.first().click({ timeout: 2000 });
            return;
          } catch {
            if (Date.now() > deadline) throw new Error(`no command titled "${title}" in the command palette`);
            await page.keyboard.press('Escape');
          }
        }
      },
      async memoryPanel() {
        for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(200)) {
          for (const frame of page.frames()) {
            if (await frame.locator('.chart.suspects').count().catch(() => 0)) return frame;
          }
        }
        throw new Error('the Memory Growth panel did not load');
      },
      leakscopePane(title) {
        return page
          .locator('[id="workbench.view.extension.leakscope"] .pane')
          .filter({ has: page.locator('.pane-header .title', { hasText: new RegExp(`^${escapeRegExp(title)}$`, 'i') }) });
      },
      async treeRow(pane, row, timeoutMs = 10_000) {
        const list = pane.locator('.monaco-list').first();
        const rendered = () => pane.locator('.monaco-list-row').allInnerTexts();
        let step = 66; // three rows a turn of the wheel, down first
        for (const deadline = Date.now() + timeoutMs; ; ) {
          const wait = { timeout: Math.max(1, deadline - Date.now()) };
          const [box, target] = await Promise.all([list.boundingBox(wait), row.count().then((n) => (n ? row.first().boundingBox(wait) : null))]);
          if (box && target && target.y >= box.y && target.y + target.height <= box.y + box.height) return row.first();
          if (Date.now() > deadline) throw new Error(`no row ${row.toString()} in view within ${timeoutMs / 1000} s`);
          if (target && box) step = target.y < box.y ? -Math.abs(step) : Math.abs(step);
          const before = (await rendered()).join('\n');
          await list.hover(wait);
          await page.mouse.wheel(0, step);
          await sleep(100);
          // At an end of the list: go the other way. The rows may also not be there yet (an
          // analysis still running); the turns go on until they are.
          if (!target && (await rendered()).join('\n') === before) step = -step;
        }
      },
      async contextMenu(target, label) {
        // A menu item takes mouse clicks only once a timer has run after it showed (VS Code's
        // guard against the click that opened it), which on a busy machine comes late and the
        // click is lost: focus the item with the mouse, then press Enter.
        await target.click({ button: 'right', timeout: 30_000 });
        const menu = page.locator('.context-view .monaco-menu');
        const item = menu.locator('.action-item').filter({ has: page.locator('.action-label', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) });
        await item.hover({ timeout: 10_000 });
        await item.and(page.locator('.focused')).waitFor({ timeout: 10_000 });
        await page.keyboard.press('Enter');
        await menu.waitFor({ state: 'hidden', timeout: 10_000 });
      },
      async screenshot(name) {
        const path = join(outDir, `${name}.png`);
        await page.screenshot({ path });
        return path;
      },
      async notifications() {
        return page.locator('.notifications-toasts .notification-list-item-message').filter({ visible: true }).allInnerTexts();
      },
      captureButton,
      async captureFromToolbar() {
        const busy = page.locator('.notification-toast', { hasText: /capturing a heap snapshot|analysing|comparing/ });
        await captureButton().click();
        await busy.first().waitFor({ timeout: 10_000 });
        await busy.first().waitFor({ state: 'detached', timeout: 60_000 });
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

interface Opened {
  page: Page;
  shutdown(): Promise<void>;
}

/** code-server on a free local port, its workbench in headless Debian Chromium. */
async function openCodeServer(workspace: string, vsix: string[], dirs: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<Opened> {
  if (!existsSync(ENTRY) || !existsSync(NODE)) throw new Error(`code-server ${CODE_SERVER} is not installed in ${INSTALL}: run scripts/e2e-setup.sh ${CODE_SERVER} first`);
  for (const file of vsix) await promisify(execFile)(NODE, [ENTRY, ...dirs, '--install-extension', file, '--force'], { env });
  const port = await freePort();
  const log = openSync(logFile, 'w');
  // Its own process group, so shutdown() can stop the server and everything it started.
  const server = spawn(
    NODE,
    [ENTRY, ...dirs, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', workspace],
    { detached: true, env, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  let browser: Browser | undefined;
  const shutdown = async () => {
    await browser?.close().catch(() => {});
    await stop(server);
  };
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForServer(base, server, logFile);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      env,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`${base}/?folder=${encodeURIComponent(workspace)}`);
    return { page, shutdown };
  } catch (error) {
    await shutdown();
    throw error;
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

async function waitForServer(base: string, server: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + STARTUP_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`code-server exited (${server.exitCode ?? server.signalCode}):\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    }
    const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    await sleep(250);
  }
  throw new Error(`code-server did not listen on ${base} within ${STARTUP_MS / 1000} s; see ${logFile}`);
}

// Until the extension host runs, F5 finds no enabled debugger and extension commands do
// nothing. It logs this line once it has run the extensions that start with it.
async function waitForExtensionHost(logs: string, logFile: string): Promise<void> {
  const deadline = Date.now() + STARTUP_MS;
  while (Date.now() < deadline) {
    const hostLogs = existsSync(logs) ? readdirSync(logs, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('exthost.log')) : [];
    if (hostLogs.some((f) => readFileSync(join(logs, f), 'utf8').includes('Eager extensions activated'))) return;
    await sleep(250);
  }
  throw new Error(`the extension host did not start within ${STARTUP_MS / 1000} s; see ${logFile}`);
}

// The debugged program and terminals run in sessions of their own, outside the group:
// collect every descendant before any of them dies and its children are re-parented.
async function stop(server: ChildProcess): Promise<void> {
  if (server.pid === undefined || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((done) => server.once('exit', done));
  for (const pid of [-server.pid, ...descendants(server.pid)]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await exited;
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent pid is the second field after the command name, which is in parentheses
      // and may contain spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited meanwhile
    }
  }
  const found = [...(children.get(root) ?? [])];
  for (let i = 0; i < found.length; i++) found.push(...(children.get(found[i]!) ?? []));
  return found;
}

/** A size as Leakscope shows it ("13 MB", "3.8 KB") in bytes. */
export function bytes(text: string): number {
  const match = /([\d.]+) (B|KB|MB|GB|TB)/.exec(text);
  if (!match) throw new Error(`no size in "${text}"`);
  return Number(match[1]) * 1024 ** ['B', 'KB', 'MB', 'GB', 'TB'].indexOf(match[2]);
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
