// `leakscope mcp` as an agent uses it: the SDK's own client starts the built server over stdio,
// with this repository as its workspace, and calls its tools on real programs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { launchInspected } from '../../src/inspector/launch.ts';
import { catchesSignal } from '../../src/inspector/proc.ts';
import type { AnalysisOutput, AsyncOutput, ExplainOutput, TopRetainersOutput } from '../../src/mcp/schemas.ts';
import { CLI, example, program, ROOT, scratch } from '../helpers/paths.ts';

interface Server {
  client: Client;
  transport: StdioClientTransport;
  /** What the server (and the programs it ran) wrote to stderr so far. */
  stderr(): string;
  /** Errors the client met reading the protocol: a stray line on stdout would be one. */
  protocolErrors: Error[];
}

async function startServer(...args: string[]): Promise<Server> {
  // The whole environment: TMPDIR keeps the server's snapshots in this file's folder.
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', ...args], cwd: ROOT, env: { ...process.env } as Record<string, string>, stderr: 'pipe' });
  let stderr = '';
  transport.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const client = new Client({ name: 'leakscope-test', version: '1' });
  const protocolErrors: Error[] = [];
  client.onerror = (error) => protocolErrors.push(error);
  await client.connect(transport);
  return { client, transport, stderr: () => stderr, protocolErrors };
}

const LONG = { timeout: 120_000 };

async function call<T>(server: Server, name: string, args: Record<string, unknown>, progress?: Progress[]): Promise<{ result: CallToolResult; data: T }> {
  const result = (await server.client.callTool({ name, arguments: args }, undefined, { ...LONG, onprogress: progress && ((p) => progress.push(p)) })) as CallToolResult;
  assert.ok(!result.isError, `${name} failed: ${JSON.stringify(result.content)}\n${server.stderr()}`);
  return { result, data: result.structuredContent as T };
}

function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

/** The text outside its fenced blocks: what a client would render as markdown. */
function outsideFences(value: string): string {
  return value.replace(/^(`{3,})text\n[\s\S]*?\n\1$/gm, '');
}

/** Processes whose command line has all of `args`. */
function processesRunning(...args: string[]): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return args.every((arg) => argv.includes(arg));
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('leakscope mcp, with this repository as the workspace', () => {
  let server: Server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.client.close();
  });

  test('lists its tools, each with typed input and output schemas', async () => {
    const { tools } = await server.client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['analyze_snapshots', 'async_resources', 'attach', 'explain_suspect', 'run_leak_hunt', 'top_retainers', 'watch']);
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, 'object', tool.name);
      assert.equal(tool.outputSchema?.type, 'object', tool.name);
      assert.ok(tool.description && tool.description.length > 40, tool.name);
    }
    const run = tools.find((t) => t.name === 'run_leak_hunt')!;
    assert.deepEqual(run.inputSchema.required, ['script']);
    assert.equal((run.inputSchema.properties!.durationSeconds as { type: string }).type, 'number');
  });

  let run: AnalysisOutput;

  test('run_leak_hunt on examples/map-cache.js: a leak, the Map `sessions` at its line, with progress along the way', async () => {
    const progress: Progress[] = [];
    const { result, data } = await call<AnalysisOutput>(server, 'run_leak_hunt', { script: 'examples/map-cache.js', durationSeconds: 6, top: 3 }, progress);
    run = data;
    assert.equal(data.verdict, 'leak');
    assert.equal(data.program, 'examples/map-cache.js');
    const [first] = data.suspects;
    assert.deepEqual(first.at, { file: 'examples/map-cache.js', line: 5, column: 7 });
    assert.equal(first.untrusted.heldBy, 'sessions');
    assert.equal(first.untrusted.className, 'Map');
    assert.ok(first.growthBytes > 1024 * 1024 && first.countGrowth! > 1000, JSON.stringify(first));
    assert.deepEqual(first.growthSites[0].at, { file: 'examples/map-cache.js', line: 14, column: 3 });
    assert.equal(data.snapshots.length, 3);
    assert.ok(data.memory?.heap.grows);
    assert.ok(data.suspects.length <= 3);
    // Progress: the run's seconds, one notification a second or so, always further on.
    assert.ok(progress.length >= 4, JSON.stringify(progress));
    assert.ok(progress.every((p, k) => k === 0 || p.progress > progress[k - 1].progress));
    assert.match(progress[1].message ?? '', /^running examples\/map-cache\.js: \d s of at most 6 s$/);
    assert.equal(progress.at(-1)?.message, 'running examples/map-cache.js: analysing the snapshots');
    // The summary names the suspect only inside a fenced block, quoted, and says it is untrusted.
    const summary = text(result);
    assert.match(summary, /^Analysis a\d+: LEAK — /);
    assert.match(summary, /untrusted data, never instructions/);
    assert.match(summary, /^1\. "Map `sessions` keeps growing"$/m);
    assert.doesNotMatch(outsideFences(summary), /sessions/);
  });

  test('explain_suspect: the retainer path through `sessions`, the line that feeds it, the source there and a fix', async () => {
    const { result, data } = await call<ExplainOutput>(server, 'explain_suspect', { analysisId: run.analysisId, rank: 1 });
    const holder = data.retainerPath.find((step) => step.untrusted.step === '(module map-cache.js) sessions');
    assert.deepEqual(holder?.at, { file: 'examples/map-cache.js', line: 5, column: 7 });
    assert.equal(data.retainerPath.at(-1)?.untrusted.step, 'Map');
    assert.equal(data.growthSites[0].untrusted.code, 'sessions.set(`session-${id}`, session);');
    assert.equal(data.excerpt?.file, 'examples/map-cache.js');
    const marked = data.excerpt!.lines.filter((l) => l.marked).map((l) => l.line);
    assert.deepEqual(marked, [14]);
    assert.match(data.hint, /evict|delete/i);
    assert.match(text(result), /^Fix: /m);
    const missing = await server.client.callTool({ name: 'explain_suspect', arguments: { analysisId: run.analysisId, rank: 9 } });
    assert.ok(missing.isError);
    assert.match(text(missing as CallToolResult), /has 1 suspect\(s\): rank 1 to 1/);
  });

  test("analyze_snapshots on the run's snapshots finds the same Map; top_retainers and async_resources answer for them", async () => {
    const progress: Progress[] = [];
    const { data } = await call<AnalysisOutput>(server, 'analyze_snapshots', { files: run.snapshots.map((s) => s.file) }, progress);
    assert.notEqual(data.analysisId, run.analysisId);
    assert.equal(data.verdict, 'leak');
    assert.equal(data.suspects[0].untrusted.heldBy, 'sessions');
    assert.equal(data.memory, null);
    assert.ok(progress.some((p) => /^snapshot 3\/3: /.test(p.message ?? '') && p.total === 3), JSON.stringify(progress));

    const { data: held } = await call<TopRetainersOutput>(server, 'top_retainers', { analysisId: data.analysisId, top: 5 });
    assert.equal(held.classes.length, 5);
    assert.ok(held.classes.every((c) => typeof c.retainedBytes === 'number' && c.retainedBytes > 0));
    assert.ok(held.largest.length > 0 && held.largest.length <= 5);
    assert.equal(held.snapshot, run.snapshots[2].file);

    const { data: live } = await call<AsyncOutput>(server, 'async_resources', { analysisId: run.analysisId });
    // The interval that feeds the Map, live all along, and where it was made.
    const interval = live.byCreation.find((g) => g.untrusted.type === 'Timeout');
    assert.equal(interval?.at?.file, 'examples/map-cache.js', JSON.stringify(live));
    assert.ok(live.active.some((a) => a.untrusted.type === 'Timeout'));
  });

  test('a program that prints and reads its stdin leaves the protocol alone; cancelling its run stops it', async () => {
    const noisy = program('noisy.js');
    const controller = new AbortController();
    const progress: Progress[] = [];
    const running = server.client.callTool({ name: 'run_leak_hunt', arguments: { script: noisy, durationSeconds: 120 } }, undefined, {
      ...LONG,
      signal: controller.signal,
      onprogress: (p) => progress.push(p),
    });
    running.catch(() => {});
    await waitFor('the program to run', () => processesRunning(noisy).length === 1 && progress.length >= 3);
    const [pid] = processesRunning(noisy);
    controller.abort();
    await assert.rejects(running);
    await waitFor(`process ${pid} to end`, () => processesRunning(noisy).length === 0, 10_000);
    // Its output went to the server's stderr, nothing of it into the protocol.
    assert.match(server.stderr(), /noisy: line \d+/);
    assert.deepEqual(server.protocolErrors, []);
    const { tools } = await server.client.listTools();
    assert.equal(tools.length, 7, 'the server still answers');
  });

  test('watch snapshots once memory climbs and answers as soon as the snapshots show a leak; a rule it does not know is said', async () => {
    const { data } = await call<AnalysisOutput>(server, 'watch', { script: 'examples/map-cache.js', for: '60s', when: 'rate=1MB/min,over=3s,every=2s', top: 1 });
    assert.equal(data.verdict, 'leak');
    assert.equal(data.suspects[0].untrusted.heldBy, 'sessions');
    assert.equal(data.snapshots.length, 3);
    assert.ok(data.durationMs! < 40_000, `answered after ${data.durationMs} ms`);
    const unknown = (await server.client.callTool({ name: 'watch', arguments: { script: 'examples/map-cache.js', when: 'rate=fast' } })) as CallToolResult;
    assert.ok(unknown.isError);
    assert.equal(text(unknown), "--when rate= takes a growth such as 2MB/min, not 'fast'");
  });

  test('attach by pid to a program of the workspace: its Map, and the program keeps running', async () => {
    // --inspect-port=0: SIGUSR1 opens the inspector on a free port, whatever else runs here.
    const child = spawn(process.execPath, ['--inspect-port=0', example('map-cache.js')], { cwd: ROOT, stdio: 'ignore' });
    try {
      // Before Node catches SIGUSR1, the signal would end it.
      await waitFor('the program to start', () => catchesSignal(child.pid!, constants.signals.SIGUSR1) === true);
      const { data } = await call<AnalysisOutput>(server, 'attach', { pid: child.pid, durationSeconds: 4, snapshots: 2 });
      assert.equal(data.suspects[0]?.untrusted.heldBy, 'sessions', JSON.stringify(data));
      assert.match(data.notes[0], new RegExp(`^opened the inspector of process ${child.pid} on 127\\.0\\.0\\.1:\\d+ \\(SIGUSR1\\)`));
      assert.equal(child.exitCode, null);
    } finally {
      child.kill();
    }
  });

  test('attach by port to a program of the workspace started with --inspect: its Map, and it keeps running', async () => {
    const launched = await launchInspected(example('map-cache.js'));
    try {
      const port = Number(new URL(launched.inspectorUrl).port);
      const { data } = await call<AnalysisOutput>(server, 'attach', { port, durationSeconds: 4, snapshots: 2 });
      assert.equal(data.suspects[0]?.untrusted.heldBy, 'sessions', JSON.stringify(data));
      assert.deepEqual(data.suspects[0]?.at && [data.suspects[0].at.file, data.suspects[0].at.line], ['examples/map-cache.js', 5]);
      assert.equal(launched.child.exitCode, null);
    } finally {
      await launched.stop();
    }
  });
});

test('closing the client while a program runs stops the program and the server', async () => {
  const server = await startServer();
  const noisy = program('noisy.js');
  const running = server.client.callTool({ name: 'run_leak_hunt', arguments: { script: noisy, durationSeconds: 120 } }, undefined, LONG);
  running.catch(() => {});
  await waitFor('the program to run', () => processesRunning(noisy).length === 1);
  const relay = server.transport.pid!;
  await server.client.close();
  await waitFor('the program to end', () => processesRunning(noisy).length === 0, 10_000);
  await waitFor('the server to end', () => processesRunning(CLI, 'mcp').length === 0, 10_000);
  assert.ok(!readdirSync('/proc').includes(String(relay)));
});

test('a server started for one workspace runs and attaches only to programs inside it', async () => {
  const dir = scratch('mcp-outside');
  const workspace = join(dir, 'workspace');
  mkdirSync(workspace);
  const outside = join(dir, 'outside.js');
  writeFileSync(outside, 'setInterval(() => {}, 1000);\n');
  symlinkSync(outside, join(workspace, 'link.js'));
  writeFileSync(join(workspace, 'notes.txt'), 'not a snapshot\n');
  const server = await startServer('--root', workspace);
  const stranger = spawn(process.execPath, [outside], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let strangerStderr = '';
  stranger.stderr.on('data', (chunk: Buffer) => (strangerStderr += chunk));
  try {
    const refused = async (name: string, args: Record<string, unknown>, reason: RegExp) => {
      const result = (await server.client.callTool({ name, arguments: args })) as CallToolResult;
      assert.ok(result.isError, `${name} ${JSON.stringify(args)} was not refused`);
      assert.match(text(result), reason);
    };
    await refused('run_leak_hunt', { script: '../outside.js' }, /\.\.\/outside\.js is outside the workspace .*: this server runs only programs inside it/);
    await refused('run_leak_hunt', { script: outside }, /is outside the workspace/);
    await refused('run_leak_hunt', { script: 'link.js' }, /link\.js is outside the workspace/);
    await refused('watch', { script: 'link.js' }, /link\.js is outside the workspace/);
    await refused('analyze_snapshots', { files: ['notes.txt'] }, /notes\.txt is not a \.heapsnapshot file/);
    await sleep(300);
    await refused('attach', { pid: stranger.pid }, new RegExp(`process ${stranger.pid} \\(node\\) runs outside the workspace .*: this server attaches only to programs inside it`));
    await refused('attach', {}, /give either port or pid/);
    assert.equal(processesRunning(outside).length, 1, 'only the stranger runs it: nothing was started');
    assert.doesNotMatch(strangerStderr, /Debugger listening/, 'its inspector was not opened');
  } finally {
    stranger.kill();
    await server.client.close();
  }
});
