// The warning before a capture, against real programs in a container-like memory limit: it
// lets a small heap through, and warns about a heap whose snapshot would not fit, which a
// capture then proves by taking the program down.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { CaptureError, HeapSnapshotter } from '../../src/inspector/capture.ts';
import { readHeadroom, snapshotShortfall } from '../../src/inspector/headroom.ts';
import { launchInspected, LaunchedProgram } from '../../src/inspector/launch.ts';
import { InspectorSession } from '../../src/inspector/session.ts';
import { memoryLimit } from '../helpers/memory-limit.ts';
import { programNodes } from '../helpers/node-versions.ts';
import { CLI, program, scratch } from '../helpers/paths.ts';

const MB = 1024 * 1024;
const LIMIT = 400 * MB;
const limit = memoryLimit(LIMIT);

/** fill-heap.js holding `mb` of small objects, in the limit, once it is full. */
async function filled(launcher: string, mb: number, run: (target: LaunchedProgram, session: InspectorSession) => Promise<void>): Promise<void> {
  const target = await launchInspected(program('fill-heap.js'), { node: launcher, args: [String(mb)], stdout: 'pipe' });
  const [line] = (await once(createInterface({ input: target.child.stdout! }), 'line')) as [string];
  assert.match(line, /^ready \d+$/);
  const session = await InspectorSession.connect(target.inspectorUrl);
  try {
    await run(target, session);
  } finally {
    await session.close();
    await target.stop();
  }
}

describe(`a program limited to ${LIMIT / MB} MB`, { skip: typeof limit === 'string' ? limit : false }, () => {
  after(() => typeof limit !== 'string' && limit.dispose());

  test('leakscope run skips the snapshots the program has no memory for, and says so', () => {
    assert.ok(typeof limit !== 'string');
    const run = spawnSync(process.execPath, [CLI, 'run', program('fill-heap.js'), '--node', limit.launcher(process.execPath), '--duration', '3', '--snapshots', '2', '--', '80'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /snapshot 1\/2 skipped: the program uses \d+ MB of heap; V8 needs about \d+ MB more .* under its memory limit.* \(--no-memory-check takes it anyway\)/);
    assert.match(run.stderr, /snapshot 2\/2 skipped: /);
    assert.match(run.stderr, /leakscope: no snapshot was taken: the program could not get the memory for any/);
    assert.doesNotMatch(run.stderr, /exited \(/);
  });

  for (const node of programNodes()) {
    test(`Node ${node.major}: no warning for a small heap, which is captured; a warning for a big one, which the capture kills`, async () => {
      assert.ok(typeof limit !== 'string');
      const launcher = limit.launcher(node.path);
      const folder = scratch('limit');

      await filled(launcher, 16, async (target, session) => {
        const headroom = await readHeadroom(session);
        assert.ok(headroom, 'the program reports its memory');
        assert.ok(headroom.limited, 'the limit is seen, not the machine’s free memory');
        assert.ok(headroom.available < LIMIT, `available ${headroom.available} within the limit`);
        assert.equal(snapshotShortfall(headroom, 'fill-heap.js'), null);
        await new HeapSnapshotter(session).capture(join(folder, 'small.heapsnapshot'));
        assert.equal(target.child.exitCode, null, 'the program lives on');
      });

      await filled(launcher, 80, async (target, session) => {
        const headroom = await readHeadroom(session);
        assert.ok(headroom);
        const warning = snapshotShortfall(headroom, 'fill-heap.js');
        assert.match(warning ?? '', /^fill-heap\.js uses \d+ MB of heap; V8 needs about \d+ MB more .* but only \d+ MB is under its memory limit\. The program may be killed/);
        // The warning was right: captured anyway, the snapshot does not fit and the kernel ends the program.
        await assert.rejects(new HeapSnapshotter(session).capture(join(folder, 'big.heapsnapshot')), (error) => error instanceof CaptureError && /exited during the heap snapshot/.test(error.message));
        assert.equal((await target.exited).signal, 'SIGKILL');
      });
      assert.deepEqual(readdirSync(folder).sort(), ['small.heapsnapshot']);
      assert.ok(!existsSync(join(folder, 'big.heapsnapshot.partial')));
    });
  }
});
