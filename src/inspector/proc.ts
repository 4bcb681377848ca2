// What Linux's /proc says of another process: its command line, whether it runs Node, its
// namespaces, the TCP ports it listens on. Plain Node: attach --pid and the extension's
// process picker share it.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename } from 'node:path';
import { LeakscopeError } from '../common/errors.ts';

export interface ProcessInfo {
  pid: number;
  /** The kernel's name for it (/proc/PID/comm): its executable's, or a title the program set. */
  name: string;
  argv: string[];
  isNode: boolean;
}

/** A TCP socket a process listens on, and the loopback address that reaches it. */
export interface Listener {
  inode: string;
  host: string;
  port: number;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function link(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

// The executable's name as distributions and version managers install it: node, nodejs, node22.
const NODE_EXECUTABLE = /^(?:node|nodejs)\d*$/;
const NODE_THREAD_NAME = /^(?:node-)?MainThread$/;

/** The process, or null when there is none by that id (or it is a kernel thread, with no command line). */
export function readProcess(pid: number): ProcessInfo | null {
  const cmdline = read(`/proc/${pid}/cmdline`);
  if (!cmdline) return null;
  const argv = cmdline.replace(/\0$/, '').split('\0');
  // The executable decides (a program may rename itself through process.title); another
  // user's is unreadable, and then its first argument says.
  const executable = link(`/proc/${pid}/exe`)?.replace(/ \(deleted\)$/, '') ?? argv[0] ?? '';
  const comm = read(`/proc/${pid}/comm`)?.trim();
  // Node 24 names its main thread, which renames the process too: 'MainThread' (24),
  // 'node-MainThread' (26). Its executable says more.
  const name = comm && !NODE_THREAD_NAME.test(comm) ? comm : basename(argv[0] ?? '');
  return { pid, name, argv, isNode: NODE_EXECUTABLE.test(basename(executable)) };
}

/** Says in a sentence that processes can't be found by id here, off Linux. */
export function requireProc(): void {
  if (process.platform === 'linux') return;
  throw new LeakscopeError(
    'input',
    `finding Node processes by id needs Linux's /proc, not ${process.platform}: open the inspector yourself (kill -USR1 PID, or on Windows node -e "process._debugProcess(PID)") and attach to its port, 9229 unless the program was started with --inspect-port`,
  );
}

/** Every Node process this one can see, but itself, by pid. */
export function listNodeProcesses(): ProcessInfo[] {
  requireProc();
  const pids = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => pid !== process.pid)
    .sort((a, b) => a - b);
  return pids.map(readProcess).filter((info): info is ProcessInfo => info?.isNode === true);
}

/** A line of /proc/PID/status, e.g. `NSpid` or `Uid`, as its fields. */
export function statusField(pid: number, field: string): string[] | null {
  const line = read(`/proc/${pid}/status`)
    ?.split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return line ? line.slice(field.length + 1).trim().split(/\s+/) : null;
}

/** Whether the process has a handler for signal number `signal` (SigCgt, a hex mask); null when unknown. */
export function catchesSignal(pid: number, signal: number): boolean | null {
  const mask = statusField(pid, 'SigCgt')?.[0];
  return mask === undefined ? null : ((BigInt(`0x${mask}`) >> BigInt(signal - 1)) & 1n) === 1n;
}

/** Whether the process shares this one's namespace of `kind`; null when it can't be read (another user's). */
export function sharesNamespace(pid: number, kind: 'pid' | 'net'): boolean | null {
  const theirs = link(`/proc/${pid}/ns/${kind}`);
  const ours = link(`/proc/self/ns/${kind}`);
  return theirs === null || ours === null ? null : theirs === ours;
}

/** NODE_OPTIONS from the process's environment, when it can be read (its owner's or root). */
export function nodeOptionsOf(pid: number): string | null {
  const environ = read(`/proc/${pid}/environ`);
  const entry = environ?.split('\0').find((e) => e.startsWith('NODE_OPTIONS='));
  return entry ? entry.slice('NODE_OPTIONS='.length) : null;
}

/** The inodes of the sockets the process holds open; null when its descriptors can't be read. */
function socketInodes(pid: number): Set<string> | null {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return null;
  }
  const inodes = new Set<string>();
  for (const fd of fds) {
    const target = link(`/proc/${pid}/fd/${fd}`);
    const match = target && /^socket:\[(\d+)\]$/.exec(target);
    if (match) inodes.add(match[1]);
  }
  return inodes;
}

/**
 * An address from /proc/net/tcp{,6} (hex, in 32-bit words of the host's byte order) as the
 * loopback host that reaches it: a loopback address as itself, every interface (0.0.0.0, ::)
 * through loopback; null for any other, which loopback does not reach.
 */
function loopbackHost(hex: string): string | null {
  const bytes = Buffer.from(hex, 'hex');
  if (endianness() === 'LE') for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  const v4 = bytes.length === 4 ? bytes : bytes.subarray(0, 12).equals(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff])) ? bytes.subarray(12) : null;
  if (v4) return v4[0] === 127 ? v4.join('.') : v4.every((b) => b === 0) ? '127.0.0.1' : null;
  const zeros = bytes.subarray(0, 15).every((b) => b === 0);
  return zeros && (bytes[15] === 0 || bytes[15] === 1) ? '::1' : null;
}

const LISTEN = '0A';

/** Every TCP socket listening in the process's network namespace, by inode. */
function listeningSockets(pid: number): Map<string, { hex: string; port: number }> {
  const sockets = new Map<string, { hex: string; port: number }>();
  for (const table of ['tcp', 'tcp6']) {
    for (const line of (read(`/proc/${pid}/net/${table}`) ?? '').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] !== LISTEN) continue;
      const [hex, port] = fields[1].split(':');
      sockets.set(fields[9], { hex, port: parseInt(port, 16) });
    }
  }
  return sockets;
}

/** The loopback-reachable TCP ports the process itself listens on; null when its descriptors can't be read. */
export function listenersOf(pid: number): Listener[] | null {
  const own = socketInodes(pid);
  if (!own) return null;
  const listeners: Listener[] = [];
  for (const [inode, { hex, port }] of listeningSockets(pid)) {
    const host = own.has(inode) ? loopbackHost(hex) : null;
    if (host) listeners.push({ inode, host, port });
  }
  return listeners;
}

/** Whether some socket other than the process's own listens on `port` where it would open one. */
export function portHeldByAnother(pid: number, port: number): boolean {
  const own = socketInodes(pid) ?? new Set<string>();
  return [...listeningSockets(pid)].some(([inode, socket]) => socket.port === port && !own.has(inode) && loopbackHost(socket.hex) !== null);
}
