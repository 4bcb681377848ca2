import * as vscode from 'vscode';
import type { Logger } from '../common/logger.ts';
import { inspectorOfProcess } from '../inspector/attach-pid.ts';
import { resolveInspectorUrl } from '../inspector/endpoint.ts';
import { LiveTarget } from '../inspector/live-target.ts';
import { listNodeProcesses } from '../inspector/proc.ts';
import { InspectorSession } from '../inspector/session.ts';
import { showFailure } from './failures.ts';
import { processPick, ProcessPick } from './model/process-items.ts';
import { Processes } from './processes.ts';
import { readSettings } from './settings.ts';
import { WatchedProcess } from './watched-process.ts';

/** Session types of VS Code's JavaScript debugger that run Node. */
const NODE_SESSION_TYPES = new Set(['pwa-node', 'node', 'node-terminal']);
const PROXY_TIMEOUT_MS = 5000;

interface CdpProxyAddress {
  host: string;
  port: number;
  path?: string;
}

/**
 * js-debug lends a CDP connection to the process a session debugs. Only the session that
 * owns the process (a child of the launcher) answers; others fail or stay silent.
 */
async function cdpProxyOf(session: vscode.DebugSession, logger: Logger): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), PROXY_TIMEOUT_MS)));
  const asked = Promise.resolve(session.customRequest('requestCDPProxy') as Thenable<CdpProxyAddress | undefined>).catch((error: unknown) => {
    logger.info(`"${session.name}" lends no CDP connection (${(error as Error).message}): its child session owns the process`);
    return undefined;
  });
  const address = await Promise.race([asked, timeout]);
  clearTimeout(timer);
  if (!address?.port) return null;
  return `ws://${address.host}:${address.port}${address.path ?? ''}`;
}

async function watch(processes: Processes, logger: Logger, inspector: InspectorSession, name: string, session: vscode.DebugSession | null): Promise<WatchedProcess> {
  const settings = readSettings();
  let process: WatchedProcess | null = null;
  const target = new LiveTarget(inspector, {
    pollIntervalMs: settings.pollingIntervalMs,
    samplingIntervalBytes: settings.samplingEnabled ? settings.samplingIntervalBytes : null,
    asyncTracking: settings.asyncTrackingEnabled,
    trackPromises: settings.asyncTrackingPromises,
    trackAllocations: settings.allocationTrackingEnabled,
    onSample: (sample) => process && processes.sample(process, sample),
    logger,
  });
  process = new WatchedProcess(session?.id ?? `attach:${Date.now()}`, name, target, logger, session?.id ?? null, session?.parentSession?.id ?? null);
  const watched = process;
  // All or nothing: a process that could not be watched is not listed, and its connection is closed.
  await watched.start();
  inspector.onDisconnect(() => void processes.end(watched, session ? 'the debug session ended' : 'the program ended'));
  // Said once here; the process's row in Snapshots keeps saying it.
  for (const note of target.notes) void vscode.window.showWarningMessage(`Leakscope, watching "${name}": ${note}.`);
  processes.add(process);
  return process;
}

/** Watches every Node debug session of the JavaScript debugger for as long as it runs. */
export function hookDebugSessions(processes: Processes, logger: Logger): vscode.Disposable {
  const started = vscode.debug.onDidStartDebugSession(async (session) => {
    if (!NODE_SESSION_TYPES.has(session.type)) return;
    const url = await cdpProxyOf(session, logger);
    if (!url) return;
    try {
      await watch(processes, logger, await InspectorSession.connectThroughDebugger(url), session.name, session);
    } catch (error) {
      logger.warn(`could not watch "${session.name}"`, error);
      void vscode.window.showWarningMessage(`Leakscope could not watch "${session.name}": ${(error as Error).message}`);
    }
  });
  const terminated = vscode.debug.onDidTerminateDebugSession((session) => {
    const process = processes.byDebugSession(session.id);
    if (process) void processes.end(process, 'the debug session ended');
  });
  return vscode.Disposable.from(started, terminated);
}

/** "Attach to Node Inspector…": a process started with --inspect and no debug session. */
export async function attachToInspector(processes: Processes, logger: Logger): Promise<void> {
  const address = await vscode.window.showInputBox({
    title: 'Leakscope: Attach to Node Inspector',
    prompt: 'The inspector of a Node process started with --inspect: a port, host:port, or ws:// URL',
    placeHolder: '9229',
    value: '9229',
  });
  if (!address) return;
  try {
    const process = await attachAddress(processes, logger, address.trim());
    void vscode.window.showInformationMessage(`Leakscope is watching ${process.name}. Capture snapshots from the Leakscope view.`);
  } catch (error) {
    showFailure(logger, `attaching to ${address}`, error);
  }
}

/** Watches the process whose inspector is at `address` (a port, host:port or ws:// URL). */
export async function attachAddress(processes: Processes, logger: Logger, address: string): Promise<WatchedProcess> {
  const url = await resolveInspectorUrl(address);
  return watch(processes, logger, await InspectorSession.connect(url), `node @ ${new URL(url).host}`, null);
}

/** Watches process `pid`, its inspector opened with SIGUSR1 if need be; `opened`: it was, and stays open. */
export async function attachPid(processes: Processes, logger: Logger, pid: number, signal: AbortSignal): Promise<{ process: WatchedProcess; notice: string }> {
  const { url, opened } = await inspectorOfProcess(pid, { logger, signal });
  // Named by its pid only: the program chooses its own title, and messages would render it.
  const process = await watch(processes, logger, await InspectorSession.connect(url), `node (pid ${pid})`, null);
  return { process, notice: opened ? ` Its inspector stays open on ${new URL(url).host} until it exits.` : '' };
}

/**
 * "Attach to Node Process…": a running Node process picked from a list, as the JavaScript
 * debugger's own attach picker offers; its inspector is opened with SIGUSR1 if need be.
 */
export async function attachToProcess(processes: Processes, logger: Logger): Promise<void> {
  let picked: ProcessPick | undefined;
  try {
    const picks = listNodeProcesses().map(processPick);
    picked = await vscode.window.showQuickPick(picks, {
      title: 'Leakscope: Attach to Node Process',
      placeHolder: picks.length ? 'The Node process to watch (its inspector opens on 127.0.0.1)' : 'No Node process is running',
      matchOnDescription: true,
      matchOnDetail: true,
    });
  } catch (error) {
    showFailure(logger, 'listing Node processes', error);
    return;
  }
  if (!picked) return;
  const { pid } = picked;
  try {
    const { process, notice } = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Leakscope: opening the inspector of process ${pid}…`, cancellable: true },
      (_progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return attachPid(processes, logger, pid, abort.signal);
      },
    );
    void vscode.window.showInformationMessage(`Leakscope is watching ${process.name}. Capture snapshots from the Leakscope view.${notice}`);
  } catch (error) {
    showFailure(logger, `attaching to process ${pid}`, error);
  }
}
