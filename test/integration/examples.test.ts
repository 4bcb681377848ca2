// Each leaky example through `leakscope run`: a leak verdict, the right kind of suspect, on
// the right line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport, Suspect } from '../../src/analysis/report.ts';
import { CLI, example, scratch } from '../helpers/paths.ts';

async function suspectsOf(name: string) {
  const json = join(scratch(name), 'report.json');
  const run = spawnSync(process.execPath, [CLI, 'run', example(name), '--duration', '5', '--json', json], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(readFileSync(json, 'utf8')) as RunReport;
  assert.equal(report.verdict, 'leak', `${name}: ${report.verdictReason}`);
  return report.suspects;
}

function find(suspects: Suspect[], kind: Suspect['kind']): Suspect {
  const found = suspects.find((s) => s.kind === kind);
  assert.ok(found, `a ${kind} suspect among: ${suspects.map((s) => `${s.kind}: ${s.title}`).join('; ')}`);
  return found;
}

test('stuck workers: the map of parked resolvers, and the workers suspended at their await', async () => {
  const suspects = await suspectsOf('stuck-workers.js');
  const pending = find(suspects, 'collection');
  assert.equal(pending.heldBy, 'pending');
  assert.equal(pending.location?.line, 6);
  // 400 a second when the machine is idle; a loaded CI machine runs the timer less often.
  assert.ok(pending.countGrowth! >= 200, `+${pending.countGrowth} entries`);
  const workers = find(suspects, 'async');
  assert.match(workers.title, /^worker\(\) suspended at await/);
  assert.equal(workers.location?.line, 16);
  assert.equal(workers.countGrowth, pending.countGrowth, 'one suspended worker per parked resolver');
  assert.ok(!suspects.some((s) => s.kind === 'promises'), 'the awaited promises are the same finding as the workers');
});

test('an event-listener leak: the emitter whose listeners pile up', async () => {
  const suspects = await suspectsOf('listener-leak.js');
  const listeners = find(suspects, 'listeners');
  assert.equal(listeners.heldBy, 'configChanges');
  assert.equal(listeners.location?.line, 7);
  assert.ok(listeners.countGrowth! >= 1500, `+${listeners.countGrowth} listeners`);
  assert.match(listeners.hint, /removeListener/);
});

test('a forgotten setInterval: live timers grouped by the line that set them', async () => {
  const suspects = await suspectsOf('forgotten-interval.js');
  assert.equal(suspects[0].kind, 'timers');
  assert.match(suspects[0].title, /^setInterval\(anonymous\) at forgotten-interval\.js:7$/);
  assert.equal(suspects[0].location?.line, 7);
  assert.ok(suspects[0].countGrowth! >= 600);
  assert.ok(!suspects.some((s) => s.location === null), 'no suspect inside Node internals');
});

test('a closure chain: the scope that grows, named by the variable it grows through', async () => {
  const suspects = await suspectsOf('closure-chain.js');
  const chain = find(suspects, 'subtree');
  assert.equal(chain.heldBy, 'current');
  assert.equal(chain.location?.line, 5);
  assert.match(chain.title, /\(module closure-chain\.js\) keeps growing through `current`/);
  assert.ok(chain.growthBytes > 2 * 1024 * 1024, `grew ${chain.growthBytes} bytes`);
});

test('buffers kept outside the heap: the array that holds them, with its external bytes', async () => {
  const suspects = await suspectsOf('buffers.js');
  const log = suspects[0];
  assert.equal(log.kind, 'collection');
  assert.equal(log.heldBy, 'auditLog');
  assert.equal(log.location?.line, 5);
  assert.ok(log.externalBytes! > 500 * 16 * 1024, `external ${log.externalBytes}`);
});
