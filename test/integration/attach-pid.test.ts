// `leakscope attach --pid`: real Node programs started without --inspect, the built CLI, and
// each way it can't be done said in one sentence, with the process left as it was.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { constants } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunReport } from '../../src/analysis/report.ts';
import { quietLogger } from '../../src/common/logger.ts';
import { inspectorOfProcess } from '../../src/inspector/attach-pid.ts';
import { catchesSignal, listNodeProcesses } from '../../src/inspector/proc.ts';
import { InspectorSession } from '../../src/inspector/session.ts';
import { leakscope } from '../helpers/cli.ts';
import { programNodes } from '../helpers/node-versions.ts';
import { CLI, example, program, scratch } from '../helpers/paths.ts';

const started: ChildProcess[] = [];
after(() => {
  for (const child of started) child.kill('SIGKILL');
});

/**
 * A process, once it runs: idles.js once it says so, any other Node program once it catches
 * SIGUSR1 (before, the signal would end it).
 */
async function start(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const ready = args.includes(program('idles.js')) ? () => stdout.includes('ready') : command === 'sleep' ? () => true : () => catchesSignal(child.pid!, constants.signals.SIGUSR1) === true;
  for (let i = 0; !ready(); i++) {
    assert.ok(i < 200 && running(child), `${args.join(' ')} did not start: ${stderr}`);
    await sleep(50);
  }
  return { child, stderr: () => stderr };
}

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

for (const node of programNodes()) {
  test(`attach --pid opens the inspector of a program on Node ${node.major} started without --inspect, finds its port, watches it, and leaves it running`, async () => {
    // --inspect-port=0: SIGUSR1 opens it on a port of the system's choosing, found through /proc.
    const { child } = await start(node.path, ['--inspect-port=0', example('map-cache.js')]);
    const listed = listNodeProcesses().find((p) => p.pid === child.pid);
    assert.ok(listed?.argv.includes(example('map-cache.js')), 'the picker lists it');
    // By its executable: Node 24 and later rename the process after their main thread ('MainThread').
    assert.equal(listed?.name, 'node');
    const json = join(scratch('attach-pid'), 'report.json');
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const cli = spawn(process.execPath, [CLI, 'attach', '--pid', String(child.pid), '--duration', '4', '--json', json], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      cli.stderr.on('data', (d) => (stderr += d));
      cli.on('exit', (code) => resolve({ code, stderr }));
    });
    assert.equal(result.code, 0, result.stderr);
    const opened = new RegExp(`^leakscope: opened the inspector of process ${child.pid} on 127\\.0\\.0\\.1:(\\d+) \\(SIGUSR1\\); it stays open there until the process exits$`, 'm').exec(result.stderr);
    assert.ok(opened, result.stderr);
    const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
    assert.equal(report.verdict, 'leak');
    assert.equal(report.suspects[0].heldBy, 'sessions');
    assert.ok(running(child), 'still running');

    // Open already: found without a signal, the same inspector, and it is that process's.
    const again = await inspectorOfProcess(child.pid!, { logger: quietLogger });
    assert.deepEqual([again.opened, new URL(again.url).port], [false, opened[1]]);
    const session = await InspectorSession.connect(again.url);
    const { result: pid } = await session.send('Runtime.evaluate', { expression: 'process.pid', returnByValue: true });
    assert.equal(pid.value, child.pid);
    await session.close();
    child.kill();
  });
}

test('an inspector SIGUSR1 opens on ::1 is found through /proc/net/tcp6', async (t) => {
  const v6 = createServer().listen(0, '::1');
  const [listening] = await Promise.race([once(v6, 'listening').then(() => [true]), once(v6, 'error').then(() => [false])]);
  v6.close();
  if (!listening) return t.skip('this machine has no IPv6 loopback');
  const { child } = await start(process.execPath, ['--inspect-port=[::1]:0', program('idles.js')]);
  const { url, opened } = await inspectorOfProcess(child.pid!, { logger: quietLogger });
  assert.deepEqual([opened, new URL(url).hostname], [true, '[::1]']);
  child.kill();
});

test('attach --pid to a process that does not exist, or is not Node: one sentence each, exit 2, nothing signalled', async () => {
  // Above the largest pid_max Linux allows (2^22).
  const none = leakscope('attach', '--pid', '4194305');
  assert.deepEqual([none.code, none.stderr], [2, 'leakscope: there is no process 4194305\n']);

  const { child } = await start('sleep', ['30']);
  const sleeping = leakscope('attach', '--pid', String(child.pid));
  assert.deepEqual([sleeping.code, sleeping.stderr], [2, `leakscope: process ${child.pid} (sleep) is not a Node process, so it has no inspector to open\n`]);
  assert.ok(running(child), 'SIGUSR1 would have ended it: it was not sent');
});

test("a second program whose SIGUSR1 port is the first one's inspector's: said, and the second is not signalled", async () => {
  const port = await freePort();
  const first = await start(process.execPath, [`--inspect=127.0.0.1:${port}`, program('idles.js')]);
  const second = await start(process.execPath, [`--inspect-port=${port}`, program('idles.js')]);
  const { code, stderr } = leakscope('attach', '--pid', String(second.child.pid));
  assert.equal(code, 2, stderr);
  assert.equal(
    stderr,
    `leakscope: port ${port}, where process ${second.child.pid} would open its inspector, is held by the inspector of process ${first.child.pid}: ` +
      `start process ${second.child.pid} with --inspect-port=127.0.0.1:0 (any free port) or free that port\n`,
  );
  assert.ok(running(second.child));
  assert.doesNotMatch(second.stderr(), /Starting inspector/, 'it never tried to open one');
});

test('a program that would open its inspector to other machines is not signalled', async () => {
  const port = await freePort();
  const { child } = await start(process.execPath, [`--inspect-port=0.0.0.0:${port}`, program('idles.js')]);
  const { code, stderr } = leakscope('attach', '--pid', String(child.pid));
  assert.equal(code, 2, stderr);
  assert.match(stderr, new RegExp(`^leakscope: process ${child.pid} would open its inspector on 0\\.0\\.0\\.0:${port} \\(its --inspect-port\\), .* loopback only: start it with --inspect-port=127\\.0\\.0\\.1:${port}\n$`));
  const probe = connect(port, '127.0.0.1');
  const [error] = (await once(probe, 'error')) as [NodeJS.ErrnoException];
  assert.equal(error.code, 'ECONNREFUSED', 'no inspector was opened');
  assert.ok(running(child));
});

test('a program that handles SIGUSR1 itself: its inspector does not open, said after the wait', async () => {
  const { child } = await start(process.execPath, ['--inspect-port=0', program('idles.js')], { HANDLE_SIGUSR1: '1' });
  const { code, stderr } = leakscope('attach', '--pid', String(child.pid));
  assert.deepEqual(
    [code, stderr],
    [2, `leakscope: process ${child.pid} did not open its inspector within 5 s of SIGUSR1 (a program with a SIGUSR1 handler of its own keeps it closed)\n`],
  );
  assert.ok(running(child));
});

const disabling = programNodes().find((n) => n.major >= 24);
test('a program run with --disable-sigusr1 does not take the signal: said, not sent', { skip: disabling ? false : 'needs Node 24 or newer (--disable-sigusr1)' }, async () => {
  const { child } = await start(disabling!.path, ['--disable-sigusr1', program('idles.js')]);
  const { code, stderr } = leakscope('attach', '--pid', String(child.pid));
  assert.equal(code, 2, stderr);
  assert.equal(stderr, `leakscope: process ${child.pid} does not take SIGUSR1 (it is still starting, when the signal would end it, or runs with --disable-sigusr1): not sent\n`);
  assert.ok(running(child));
});

test('a process in another PID namespace (a container) is said to be there', async (t) => {
  const unshare = spawnSync('unshare', ['--user', '--map-root-user', '--pid', '--fork', 'true']);
  if (unshare.status !== 0) return t.skip('this machine does not let us make a PID namespace');
  const outer = spawn('unshare', ['--user', '--map-root-user', '--pid', '--fork', '--kill-child', process.execPath, program('idles.js')], { stdio: 'ignore' });
  started.push(outer);
  let pid: number | undefined;
  for (let i = 0; !pid || catchesSignal(pid, constants.signals.SIGUSR1) !== true; i++) {
    assert.ok(i < 200, 'the program in the namespace did not start');
    await sleep(50);
    pid = Number(readFileSync(`/proc/${outer.pid}/task/${outer.pid}/children`, 'utf8').trim()) || undefined;
  }
  const { code, stderr } = leakscope('attach', '--pid', String(pid));
  assert.deepEqual([code, stderr], [2, `leakscope: process ${pid} runs in another container (another PID namespace, where it is process 1): run leakscope inside that container\n`]);
});

test('a process of another user: no permission to signal it, said', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root, to run the CLI as another user');
  const { child } = await start(process.execPath, ['--inspect-port=0', program('idles.js')]);
  const nobody = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'attach', '--pid', String(child.pid)], { encoding: 'utf8', cwd: '/' });
  assert.deepEqual([nobody.status, nobody.stderr], [2, `leakscope: no permission to signal process ${child.pid}, which runs as uid 0: run leakscope as that user or as root\n`]);
  assert.ok(running(child));
});

test('a bare number stays a port; one past the ports points to --pid; watch takes --pid too', () => {
  const past = leakscope('attach', '70000');
  assert.deepEqual([past.code, past.stderr], [2, 'leakscope: 70000 is not a port (1 to 65535): to attach to process 70000, use --pid 70000\n']);
  const both = leakscope('attach', '9229', '--pid', '1');
  assert.equal(both.code, 2);
  assert.match(both.stderr, /attach takes an inspector's address or --pid, not both/);
  assert.match(leakscope('attach', '--pid', 'abc').stderr, /--pid must be a process id, not 'abc'/);
  assert.match(leakscope('run', program('idles.js'), '--pid', '1').stderr, /--pid is for attach and watch/);
  // watch takes it too, through the same attach by pid.
  assert.deepEqual(leakscope('watch', '--pid', '4194305').stderr, 'leakscope: there is no process 4194305\n');
});
