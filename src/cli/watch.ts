// `leakscope watch`: a program watched for as long as it takes, snapshotted only once its
// memory keeps climbing (or nears its heap limit), with a report once there is a verdict.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunReport } from '../analysis/report.ts';
import type { WatchRule } from '../analysis/watch-policy.ts';
import { LeakscopeError } from '../common/errors.ts';
import { gcPeriodMs, LeakWatch } from '../live/leak-watch.ts';
import type { LiveSession } from '../live/live-session.ts';
import { leakAlertText } from '../present/suspects.ts';
import { attachAndAnalyze, note, RunOptions, runAndAnalyze, Schedule, ScheduleFor } from './run.ts';

export interface WatchForOptions {
  /** How long to watch at most. */
  forMs: number;
  rule: WatchRule;
  /** Snapshots kept on disk: the baseline and the newest. */
  keep: number;
}

/** Readings and snapshots as the rule says, until a leak is found or the time is up. */
function bySnapshotRule(options: RunOptions & WatchForOptions): ScheduleFor {
  return (live: LiveSession, gone: Promise<unknown>): Schedule => {
    const watch = new LeakWatch(live, options.rule, options.logger);
    let over = false;
    void gone.then(() => (over = true));
    // The rule reads post-GC readings, which come once a GC period: it decides as often.
    const period = options.gcEveryMs ?? options.intervalMs;
    return {
      warmupMs: 0,
      keep: options.keep,
      async next(taken) {
        while (!over && live.target.now() < options.forMs) {
          await Promise.race([sleep(Math.min(period, options.forMs - live.target.now()), undefined, { signal: options.signal }), gone]);
          const decision = await watch.check();
          if (decision.capture) return `snapshot ${taken + 1}: ${decision.reason}`;
        }
        return null;
      },
      async enough(analysis) {
        const report = await analysis.report(undefined);
        if (report.verdict !== 'leak') return false;
        note(leakAlertText(report.suspects[0], live.series().map((s) => s.timeMs)));
        return true;
      },
    };
  };
}

/** A run's options turned into a watch's: as long as `forMs`, snapshots when `rule` says, `keep` on disk. */
export function watchForOptions(launch: RunOptions, forMs: number, rule: WatchRule, keep: number): RunOptions & WatchForOptions {
  return { ...launch, durationMs: forMs, snapshots: Infinity, gcEveryMs: gcPeriodMs(rule), forMs, rule, keep };
}

/** `leakscope watch <script | port | host:port | ws-url>`. */
export function watchAndAnalyze(target: string, options: RunOptions & WatchForOptions): Promise<RunReport> {
  const schedule = bySnapshotRule(options);
  if (existsSync(resolve(target))) return runAndAnalyze({ ...options, script: target }, schedule);
  if (options.args.length) throw new LeakscopeError('input', `${target}: no such file (arguments after -- are for a script watch starts)`);
  return attachAndAnalyze(target, options, schedule);
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `90s`, `5m`, `1h`, `500ms`, or seconds: milliseconds. */
export function parseDuration(flag: string, text: string): number {
  const match = DURATION.exec(text.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] ?? 's'] : NaN;
  if (!(ms > 0)) throw new LeakscopeError('input', `${flag} takes a duration such as 90s, 5m or 1h, not '${text}'`);
  return ms;
}

const RATE = /^(\d+(?:\.\d+)?)(KB|MB|GB)\/(s|min|h)$/i;
const SIZE_BYTES: Record<string, number> = { kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const PER_SEC: Record<string, number> = { s: 1, min: 60, h: 3600 };

/**
 * `--when rate=2MB/min,over=5m,limit=80%,every=2m`: growth that starts the snapshots, the
 * window it must last, the share of the heap limit that starts them too, and the least time
 * between two snapshots. Whatever is not said keeps `base`.
 */
export function parseRule(text: string, base: WatchRule): WatchRule {
  const rule = { ...base };
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [key, value = ''] = part.split('=').map((p) => p.trim());
    if (key === 'rate') {
      const match = RATE.exec(value);
      if (!match) throw new LeakscopeError('input', `--when rate= takes a growth such as 2MB/min, not '${value}'`);
      rule.growthBytesPerSec = (Number(match[1]) * SIZE_BYTES[match[2].toLowerCase()]) / PER_SEC[match[3].toLowerCase()];
    } else if (key === 'over') rule.windowMs = parseDuration('--when over=', value);
    else if (key === 'every') rule.minIntervalMs = parseDuration('--when every=', value);
    else if (key === 'limit') {
      const share = /^(\d+(?:\.\d+)?)%$/.exec(value);
      if (!share || !(Number(share[1]) > 0 && Number(share[1]) <= 100)) throw new LeakscopeError('input', `--when limit= takes a share of the heap limit such as 80%, not '${value}'`);
      rule.heapLimitShare = Number(share[1]) / 100;
    } else throw new LeakscopeError('input', `--when knows rate=, over=, limit= and every=, not '${part}'`);
  }
  return rule;
}
