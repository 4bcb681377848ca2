// What the extension's trees and CodeLens show, built from a real debug-like watch of the
// examples: the right suspect, the right line, the right counts. No VS Code needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { analyzeSnapshots } from '../../src/analysis/analyze.ts';
import { SourceMaps } from '../../src/analysis/source-maps.ts';
import { launchInspected } from '../../src/inspector/launch.ts';
import { LiveTarget } from '../../src/inspector/live-target.ts';
import { InspectorSession } from '../../src/inspector/session.ts';
import { asyncItems } from '../../src/extension/model/async-items.ts';
import { findingsFrom } from '../../src/extension/model/findings.ts';
import { lineFindings } from '../../src/extension/model/line-findings.ts';
import { suspectItems } from '../../src/extension/model/suspect-items.ts';
import { example, scratch } from '../helpers/paths.ts';
import { recordingLogger } from '../helpers/logs.ts';

async function watching<T>(script: string, body: (target: LiveTarget) => Promise<T>): Promise<T> {
  const program = await launchInspected(script);
  const target = new LiveTarget(await InspectorSession.connect(program.inspectorUrl), { pollIntervalMs: 200, samplingIntervalBytes: 0, asyncTracking: true, logger: recordingLogger() });
  try {
    await target.start();
    return await body(target);
  } finally {
    await target.dispose(true);
    await program.stop();
  }
}

test('Suspects and CodeLens after three captures of the Map cache: the Map, its declaration line, its growth', async () => {
  const script = example('map-cache.js');
  const dir = scratch('views');
  const findings = await watching(script, async (target) => {
    const shots = [];
    for (let k = 1; k <= 3; k++) {
      await sleep(700);
      shots.push(await target.capture(join(dir, `${k}.heapsnapshot`)));
    }
    const files = shots.map((s) => s.file);
    return findingsFrom({
      key: 'a1',
      title: 'Map cache',
      files,
      timesMs: shots.map((s) => s.timeMs),
      report: await analyzeSnapshots(files),
      samples: target.memory.samples,
      sites: target.allocationSites(20),
    });
  });

  const [verdict, first] = suspectItems(findings);
  assert.match(verdict.label, /^Leak: /);
  // Short enough for the sidebar's default width; the rest is in the description and tooltip.
  assert.equal(first.label, '1. Map sessions');
  assert.match(first.description!, /^\+[\d.]+ [KM]B \(\+[\d,]+ entries\) in \d+ s$/);
  assert.match(first.tooltip!, /Map `sessions` keeps growing/);
  assert.deepEqual([first.location?.file, first.location?.line], [script, 5]);
  // Grows at: the statement that feeds the Map, one click away.
  const growsAt = first.children!.find((c) => c.id.endsWith('/sites'))!;
  assert.equal(growsAt.label, 'Grows at');
  assert.deepEqual([growsAt.children![0].location?.file, growsAt.children![0].location?.line], [script, 14]);
  assert.match(growsAt.children![0].label, /^map-cache\.js:14 sessions\.set\(…\)$/);
  const path = first.children!.find((c) => c.id.endsWith('/path'))!;
  // Nearest holder first: the Map, then the variable that holds it, which opens its declaration.
  assert.deepEqual(path.children!.slice(0, 2).map((step) => step.label), ['Map', '(module map-cache.js) sessions']);
  assert.equal(path.children![1].location?.line, 5, 'the path step opens the declaration');

  const lenses = lineFindings(findings, script);
  const onMap = lenses.find((l) => l.line === 5);
  assert.ok(onMap, `lenses on lines ${lenses.map((l) => l.line)}`);
  assert.match(onMap.text, /^Leakscope: [\d.]+ [KM]B retained · [\d,]+ entries · \+[\d.]+ [KM]B since #1/);
  assert.equal(onMap.suspectId, first.id, 'clicking the lens reveals suspect 1');
  assert.ok(onMap.paths[0].includes('(module map-cache.js) sessions'));
  const onSite = lenses.find((l) => l.line === 14);
  assert.ok(onSite, `a lens on the growth site: ${lenses.map((l) => `${l.line}: ${l.text}`).join('\n')}`);
  assert.match(onSite.text, /sessions/);
  assert.equal(onSite.suspectId, first.id);
  // The sampling profiler saw the sessions allocated in handleRequest (line 7), or in the
  // timer callback (line 19) where V8 inlined it.
  assert.ok(lenses.some((l) => (l.line === 7 || l.line === 19) && /inuse [\d.]+ [KM]?B\/s · alloc [\d.]+ [KM]?B\/s/.test(l.text)), lenses.map((l) => `${l.line}: ${l.text}`).join('\n'));
  assert.deepEqual(lineFindings(findings, example('churn.js')), []);
});

test('Async Resources: workers stuck at their await are one growing group, at the line that created them', async () => {
  const script = example('stuck-workers.js');
  const dumps = await watching(script, async (target) => {
    await sleep(500);
    const first = await target.dumpAsync();
    await sleep(800);
    return [first, await target.dumpAsync()];
  });
  const maps = new SourceMaps(recordingLogger());
  const items = asyncItems('s1', dumps, (at) => maps.resolveFrame(at));
  const promises = items.find((i) => i.label === 'PROMISE');
  assert.ok(promises, items.map((i) => i.label).join(', '));
  const stuck = promises.children!.find((g) => g.location?.file === script && g.location.line === 11);
  assert.ok(stuck, promises.children!.map((g) => `${g.label} ${g.description}`).join('\n'));
  const [before, after] = stuck.description!.split(' (')[0].split(' → ').map((n) => Number(n.replace(/,/g, '')));
  assert.ok(after > before && before > 0, stuck.description);
  assert.match(stuck.label, /^stuck-workers\.js:11$/);
});
