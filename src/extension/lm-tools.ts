// The MCP server's answers as language-model tools, on the live debug session: an agent in
// the editor reads the current suspects, has one explained, and (once the user confirms)
// captures a snapshot or attaches to a process. The answers are the server's (src/mcp/results.ts):
// bounded, bytes as numbers, heap strings quoted apart as untrusted data.
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { LeakscopeError } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import { analysisAnswer, explainAnswer, NextTools, StoredAnalysis, ToolAnswer, topRetainersAnswer } from '../mcp/results.ts';
import { Workspace } from '../mcp/workspace.ts';
import { AnalysisService } from './analysis-service.ts';
import { CaptureCommands } from './capture.ts';
import { attachAddress, attachPid } from './debug-hook.ts';
import type { Findings } from './model/findings.ts';
import { Processes } from './processes.ts';

/** The tools, as package.json's `languageModelTools` names them. */
export const Tool = {
  suspects: 'leakscope_suspects',
  explain: 'leakscope_explain_suspect',
  topRetainers: 'leakscope_top_retainers',
  capture: 'leakscope_capture_snapshot',
  attach: 'leakscope_attach',
} as const;

const NEXT: NextTools = { explain: Tool.explain, topRetainers: Tool.topRetainers };
const DEFAULT_TOP = 10;
const MAX_TOP = 50;

const NO_FINDINGS = `Leakscope has no analysis yet: capture heap snapshots of the debugged program first (${Tool.capture}, or the camera on the debug toolbar; two or three, some seconds apart, show growth).`;
const NOTHING_WATCHED = `No Node program is being watched: start debugging one, or attach to one with ${Tool.attach}.`;

interface TopInput {
  top?: number;
}
interface ExplainInput {
  rank: number;
  analysisId?: string;
}
interface AttachInput {
  port?: number;
  pid?: number;
}

/** The summary, then the structured answer as JSON: what an MCP client gets as text and structuredContent. */
function result(answer: ToolAnswer<unknown>): vscode.LanguageModelToolResult {
  return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(answer.text), new vscode.LanguageModelTextPart(JSON.stringify(answer.structured))]);
}

function text(message: string): vscode.LanguageModelToolResult {
  return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(message)]);
}

function topOf(input: TopInput): number {
  return Math.min(MAX_TOP, Math.max(1, Math.round(input.top ?? DEFAULT_TOP)));
}

/** Paths relative to the first workspace folder, as the MCP server shows them relative to its own. */
function workspace(): Workspace {
  return new Workspace(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? homedir());
}

/** The findings the Leakscope views show, as the answers take an analysis; with the verdict weighed with the memory readings. */
function stored(findings: Findings): StoredAnalysis {
  return { id: findings.key, report: { ...findings.report, verdict: findings.verdict, verdictReason: findings.verdictReason }, program: null };
}

export function registerLanguageModelTools(processes: Processes, analysis: AnalysisService, capture: CaptureCommands, logger: Logger): vscode.Disposable {
  const current = (): StoredAnalysis => {
    if (!analysis.current) throw new LeakscopeError('input', NO_FINDINGS);
    return stored(analysis.current);
  };
  const active = () => {
    const process = processes.active();
    if (!process) throw new LeakscopeError('input', NOTHING_WATCHED);
    return process;
  };
  /** A tool whose failures reach the log as well as the model. */
  const register = <T>(name: string, tool: vscode.LanguageModelTool<T>) =>
    vscode.lm.registerTool<T>(name, {
      prepareInvocation: tool.prepareInvocation?.bind(tool),
      invoke: async (options, token) => {
        try {
          return await tool.invoke(options, token);
        } catch (error) {
          logger.warn(`the language-model tool ${name} failed`, error);
          throw error;
        }
      },
    });

  return vscode.Disposable.from(
    register<TopInput>(Tool.suspects, {
      invoke: ({ input }) => result(analysisAnswer(current(), topOf(input), workspace(), NEXT)),
    }),
    register<ExplainInput>(Tool.explain, {
      invoke: ({ input }) => {
        const analysed = current();
        if (input.analysisId && input.analysisId !== analysed.id) {
          throw new LeakscopeError('input', `analysis ${input.analysisId} is no longer the one shown: the current one is ${analysed.id} (${Tool.suspects} lists its suspects)`);
        }
        return result(explainAnswer(analysed, input.rank, workspace()));
      },
    }),
    register<TopInput>(Tool.topRetainers, {
      invoke: ({ input }) => result(topRetainersAnswer(current(), topOf(input), workspace())),
    }),
    register<Record<string, never>>(Tool.capture, {
      prepareInvocation: () => {
        const process = processes.active();
        return {
          invocationMessage: 'Capturing a heap snapshot',
          confirmationMessages: process
            ? { title: 'Capture a heap snapshot?', message: `Leakscope will pause ${process.name} while V8 writes its heap to disk (seconds for a big heap), then compare it with the earlier snapshots.` }
            : undefined,
        };
      },
      invoke: async () => {
        const findings = await capture.captureForTool(active());
        return result(analysisAnswer(stored(findings), DEFAULT_TOP, workspace(), NEXT));
      },
    }),
    register<AttachInput>(Tool.attach, {
      prepareInvocation: ({ input }) => ({
        invocationMessage: 'Attaching to a Node process',
        confirmationMessages: {
          title: 'Attach Leakscope to a Node process?',
          message:
            input.pid !== undefined
              ? `Leakscope will open the inspector of process ${input.pid} (SIGUSR1, on 127.0.0.1; it stays open until the process exits) and watch its memory.`
              : `Leakscope will connect to the Node inspector on 127.0.0.1:${input.port ?? 9229} and watch the program's memory.`,
        },
      }),
      invoke: async ({ input }, token) => {
        if (input.pid !== undefined) {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          const { process, notice } = await attachPid(processes, logger, input.pid, abort.signal);
          return text(`Leakscope is watching ${process.name}.${notice} Next: ${Tool.capture}.`);
        }
        // Loopback only: an agent is not to reach inspectors on other machines.
        const process = await attachAddress(processes, logger, `127.0.0.1:${input.port ?? 9229}`);
        return text(`Leakscope is watching ${process.name}. Next: ${Tool.capture}.`);
      },
    }),
  );
}
