// The one folder an MCP server works for. Agents are driven by text that can come from anywhere
// (a README, an issue, a heap string), so the server runs and attaches only to programs inside
// this folder, checked on real paths: no `..` or symlink leads out.
import { readlinkSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import { LeakscopeError } from '../common/errors.ts';
import { formatFile } from '../present/places.ts';
import { listenersOf, listNodeProcesses, readProcess, requireProc } from '../inspector/proc.ts';

function refused(message: string): LeakscopeError {
  return new LeakscopeError('input', message);
}

export class Workspace {
  /** The real path of the folder. */
  readonly root: string;

  constructor(folder: string) {
    try {
      this.root = realpathSync(folder);
    } catch (error) {
      throw refused(`the workspace ${folder} does not exist (${(error as NodeJS.ErrnoException).code})`);
    }
    if (!statSync(this.root).isDirectory()) throw refused(`the workspace ${folder} is not a folder`);
  }

  /** Whether a real path is the workspace or below it. */
  private holds(real: string): boolean {
    return real === this.root || real.startsWith(this.root.endsWith(sep) ? this.root : this.root + sep);
  }

  /** Whether `file` (relative to the workspace, or absolute) exists and really is inside it. */
  contains(file: string): boolean {
    try {
      return this.holds(realpathSync(resolve(this.root, file)));
    } catch {
      return false;
    }
  }

  /** The real path of `path`, relative to the workspace or absolute; `missing` when there is none. */
  private real(path: string, missing: string): string {
    try {
      return realpathSync(resolve(this.root, path));
    } catch {
      throw refused(missing);
    }
  }

  /** The real path of a script to run, refused unless it is a file inside the workspace. */
  script(path: string): string {
    const real = this.real(path, `${path}: no such file in the workspace ${this.root}`);
    if (!this.holds(real)) throw refused(`${path} is outside the workspace ${this.root}: this server runs only programs inside it`);
    if (!statSync(real).isFile()) throw refused(`${path} is not a file`);
    return real;
  }

  /** The real path of a heap snapshot to read: any `.heapsnapshot` file, so that no other file is read as one. */
  snapshot(path: string): string {
    const real = this.real(path, `${path}: no such file`);
    if (!real.endsWith('.heapsnapshot') || !statSync(real).isFile()) throw refused(`${path} is not a .heapsnapshot file`);
    return real;
  }

  /**
   * Refuses a process that is not the workspace's: its working directory, or its script (the
   * first argument that is no flag), must be inside it. Attaching reads all of a process's
   * memory into the agent's context: another program's (the editor's own, say) is none of
   * its business.
   */
  checkProcess(pid: number): void {
    requireProc();
    const info = readProcess(pid);
    if (!info) throw refused(`there is no process ${pid}`);
    let cwd: string | null = null;
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      // Another user's: its command line still says what it runs.
    }
    const script = info.argv.slice(1).find((arg) => !arg.startsWith('-'));
    const places = [cwd, script && (isAbsolute(script) ? script : cwd && resolve(cwd, script))];
    const inside = places.some((path) => path && isAbsolute(path) && this.contains(path));
    if (!inside) throw refused(`process ${pid} (${info.name}) runs outside the workspace ${this.root}: this server attaches only to programs inside it`);
  }

  /** The Node process of this user that listens on a loopback port, checked as `checkProcess` does. */
  processOnPort(port: number): number {
    requireProc();
    const owner = listNodeProcesses().find((p) => listenersOf(p.pid)?.some((l) => l.port === port));
    if (!owner) throw refused(`no Node process of this user listens on 127.0.0.1:${port}: start the program with --inspect=127.0.0.1:${port}, or attach by pid`);
    this.checkProcess(owner.pid);
    return owner.pid;
  }

  /** A path as results show it: relative to the workspace when inside it, else as it is. */
  show(file: string): string {
    return formatFile(file, this.root);
  }
}
