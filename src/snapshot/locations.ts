import { fileURLToPath } from 'node:url';
import { HeapGraph } from './graph.ts';

/** Where a node was made, for display: 1-based line and column. */
export interface SourceLocation {
  /** The script's name as V8 knows it: a path, a file:// URL or node:internal/… */
  url: string;
  /** A file path when the script is on disk, else the URL. */
  file: string;
  line: number;
  column: number;
  /** V8's script id, for resolving against a live process. */
  scriptId: number;
}

/** A frame of an allocation stack. */
export interface AllocationFrame extends SourceLocation {
  functionName: string;
  /** The program's own code (see isOwnCode). */
  own: boolean;
}

const SCRIPT_EDGES = ['script', 'script_or_debug_info'];

/**
 * Resolves node locations. V8's `locations` section gives script id, line and column for
 * closures, for objects (by their constructor) and for generator objects; the script's
 * name is found offline through closure → shared function info → script → name.
 */
export class SourceLocator {
  private scriptNames: Map<number, string> | null = null;

  /** `original` maps a generated position to its source (source maps); identity by default. */
  constructor(
    private readonly g: HeapGraph,
    private readonly original: <T extends SourceLocation>(location: T) => T = (location) => location,
  ) {}

  locate(n: number): SourceLocation | null {
    const raw = this.g.raw.locations.get(n);
    if (!raw) return null;
    const url = this.scriptName(raw.scriptId);
    if (!url) return null;
    return this.original({ url, file: urlToFile(url), line: raw.line + 1, column: raw.column + 1, scriptId: raw.scriptId });
  }

  /**
   * The function that allocated `n`, when the heap was recorded with allocation tracking
   * (`--track-heap-objects`, DevTools' allocation instrumentation): the innermost frame of
   * its allocation stack in the program's own code.
   */
  allocationSite(n: number): AllocationFrame | null {
    const traceIds = this.g.raw.nodeTraceNodeId;
    if (!traceIds) return null;
    for (const frame of this.frames(traceIds[n])) if (frame.own) return frame;
    return null;
  }

  /**
   * The allocation stack of a trace node, innermost frame first: the program's frames and its
   * dependencies', without V8's builtins and Node's internals. V8 records each frame's function
   * (where it starts), not the line inside it.
   */
  allocationStack(trace: number, maxFrames = 32): AllocationFrame[] {
    const frames: AllocationFrame[] = [];
    for (const frame of this.frames(trace)) {
      if (frames.length === maxFrames) break;
      frames.push(frame);
    }
    return frames;
  }

  /** The frames of a trace node, innermost first, each resolved only when asked for. */
  private *frames(trace: number): Generator<AllocationFrame> {
    const { traceTree, traceFunctionInfos } = this.g.raw;
    for (let depth = 0; trace > 0 && depth < 256; depth++) {
      const frame = traceTree.get(trace);
      if (!frame) break;
      const info = traceFunctionInfos[frame.functionInfo];
      // Trace frames are 1-based; 0 means V8 did not know the position. A module's own
      // top-level code is an anonymous function at 1:1, which tells nothing.
      const topLevel = info?.name === '' && info.line === 1;
      if (info && info.line > 0 && !topLevel && isUserScript(info.scriptName)) {
        const at = this.original({ url: info.scriptName, file: urlToFile(info.scriptName), line: info.line, column: Math.max(1, info.column), scriptId: info.scriptId });
        yield { ...at, functionName: info.name, own: isOwnCode(at.url) };
      }
      trace = frame.parent;
    }
  }

  /** The names of every script the heap has a function of. */
  scriptNamesInHeap(): string[] {
    this.scriptNames ??= this.buildScriptNames();
    return [...this.scriptNames.values()];
  }

  scriptName(scriptId: number): string | null {
    this.scriptNames ??= this.buildScriptNames();
    return this.scriptNames.get(scriptId) ?? null;
  }

  /**
   * Script id -> name: from the script objects the locations name (`script_object_index`),
   * else from every closure whose location and script we both know.
   */
  private buildScriptNames(): Map<number, string> {
    const g = this.g;
    const names = new Map<number, string>();
    for (const [scriptId, script] of g.raw.locations.scriptNodes()) {
      const name = scriptObjectName(g, script);
      if (name) names.set(scriptId, name);
    }
    const closure = g.nodeTypes.closure;
    g.raw.locations.forEachNode((n, scriptId) => {
      if (g.raw.nodeType[n] !== closure || names.has(scriptId)) return;
      const name = this.closureScriptName(n);
      if (name) names.set(scriptId, name);
    });
    return names;
  }

  private closureScriptName(n: number): string | null {
    const shared = this.g.child(n, 'shared');
    if (shared < 0) return null;
    for (const edge of SCRIPT_EDGES) {
      const script = this.g.child(shared, edge);
      const name = script >= 0 ? scriptObjectName(this.g, script) : null;
      if (name) return name;
    }
    return null;
  }
}

/** A script object's node is named after the script, unless V8 left it unnamed. */
function scriptObjectName(g: HeapGraph, script: number): string | null {
  const name = g.name(script);
  return name && !name.startsWith('system /') ? name : null;
}

export function urlToFile(url: string): string {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return url;
    }
  }
  return url;
}

/** Whether a script is the program's or its dependencies' (not Node's internals). */
export function isUserScript(url: string): boolean {
  return !url.startsWith('node:') && !url.startsWith('internal/') && url !== '';
}

/** Whether a script is the program's own: neither Node's internals nor a dependency under node_modules. */
export function isOwnCode(url: string): boolean {
  return isUserScript(url) && !/[\\/]node_modules[\\/]/.test(url);
}
