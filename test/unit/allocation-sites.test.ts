import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Protocol } from 'devtools-protocol';
import { mergeWindows, samplingWindow } from '../../src/inspector/allocation-sampler.ts';

type Node = Protocol.HeapProfiler.SamplingHeapProfileNode;
let nextId = 1;

function frame(functionName: string, url: string, lineNumber: number): Protocol.Runtime.CallFrame {
  return { functionName, scriptId: '1', url, lineNumber, columnNumber: 0 };
}

function node(callFrame: Protocol.Runtime.CallFrame, selfSize: number, children: Node[] = []): Node {
  return { callFrame, selfSize, id: nextId++, children };
}

/** A profile whose root calls each node given. */
function profile(...children: Node[]): Protocol.HeapProfiler.SamplingHeapProfile {
  return { head: node(frame('(root)', '', -1), 0, children), samples: [] };
}

const APP = '/srv/app.js';
const handle = frame('handle', APP, 9);
const render = frame('render', APP, 19);

test('a function that kept more than it allocated, by the two windows, is shown allocating at least what it kept', () => {
  // As seen on a real run: kept 2.6 MB/s in one window, allocated 2.5 MB/s in the other; and a
  // function that kept 21 KB/s but had no sample at all while everything was counted.
  const alloc = samplingWindow(profile(node(handle, 2_500_000 * 4)), 4);
  const inuse = samplingWindow(profile(node(handle, 2_600_000 * 2), node(render, 21_000 * 2)), 2);
  const sites = mergeWindows(alloc, inuse);
  assert.deepEqual(
    sites.map((s) => [s.functionName, s.line, s.inuseBytesPerSec, s.allocBytesPerSec]),
    [
      ['handle', 10, 2_600_000, 2_600_000],
      ['render', 20, 21_000, 21_000],
    ],
  );
});

test('allocated above kept stays as measured; sites add up across a function\'s nodes; Node\'s own code is left out', () => {
  const internal = frame('emit', 'node:events', 500);
  const alloc = samplingWindow(profile(node(handle, 3000, [node(render, 1000)]), node(render, 1000), node(internal, 9000)), 2);
  const inuse = samplingWindow(profile(node(render, 200), node(internal, 9000)), 2);
  const sites = mergeWindows(alloc, inuse);
  assert.deepEqual(
    sites.map((s) => [s.functionName, s.inuseBytesPerSec, s.allocBytesPerSec]),
    [
      ['render', 100, 1000],
      ['handle', 0, 1500],
    ],
  );
});

test('one window only: what was kept still counts as allocated; nothing sampled, no sites', () => {
  const kept = mergeWindows(null, samplingWindow(profile(node(handle, 4000)), 2));
  assert.deepEqual(
    kept.map((s) => [s.inuseBytesPerSec, s.allocBytesPerSec]),
    [[2000, 2000]],
  );
  const churned = mergeWindows(samplingWindow(profile(node(handle, 4000)), 2), null);
  assert.deepEqual(
    churned.map((s) => [s.inuseBytesPerSec, s.allocBytesPerSec]),
    [[0, 2000]],
  );
  assert.deepEqual(mergeWindows(null, null), []);
});

test("bytes allocated inside Node's code or V8's builtins count for the program's function that called them", () => {
  // Buffer.alloc in handle(): V8 may or may not show node:buffer's frames, by version and inlining.
  const alloc = frame('alloc', 'node:buffer', 380);
  const builtin = frame('(V8 API)', '', -1);
  const window = samplingWindow(profile(node(handle, 100, [node(alloc, 2000, [node(builtin, 500)])]), node(alloc, 700)), 1);
  assert.deepEqual(
    mergeWindows(window, window).map((s) => [s.functionName, s.allocBytesPerSec]),
    [['handle', 2600]],
    'an allocation with no program frame above it belongs to nobody in the program',
  );
});

test('what the program made after the collection is not counted as kept: only samples up to the last ordinal before it', () => {
  // handle's objects were all made before the collection; render made one of its two after it
  // (the program runs between the collection and the end of sampling), and build only after.
  const build = frame('build', APP, 29);
  const handleNode = node(handle, 3000);
  const renderNode = node(render, 2000);
  const buildNode = node(build, 1000);
  const window = samplingWindow(
    {
      head: node(frame('(root)', '', -1), 0, [handleNode, renderNode, buildNode]),
      samples: [
        { nodeId: handleNode.id, size: 1500, ordinal: 1 },
        { nodeId: handleNode.id, size: 1500, ordinal: 2 },
        { nodeId: renderNode.id, size: 1000, ordinal: 3 },
        { nodeId: renderNode.id, size: 1000, ordinal: 5 },
        { nodeId: buildNode.id, size: 1000, ordinal: 6 },
      ],
    },
    1,
    4,
  );
  assert.deepEqual(
    mergeWindows(null, window).map((s) => [s.functionName, s.inuseBytesPerSec]),
    [['handle', 3000], ['render', 1000]],
  );
});
