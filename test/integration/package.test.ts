// What the VSIX carries (vsce's own list, as `npm run package` would pack it): the extension,
// the analysis worker and the snapshot worker they start, the panel; no sources, maps or snapshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/paths.ts';

test('the VSIX carries every bundle the extension loads or starts, and nothing else of the build', () => {
  const listed = execFileSync(join(ROOT, 'node_modules/.bin/vsce'), ['ls', '--no-dependencies'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');
  // The snapshot worker reads big files and builds big graphs; missing, both failed in the editor only.
  for (const bundle of ['dist/extension.js', 'dist/worker.js', 'dist/snapshot-worker.js', 'dist/webview.js', 'dist/webview.css']) {
    assert.ok(listed.includes(bundle), `${bundle} in ${listed.join(', ')}`);
  }
  assert.deepEqual(listed.filter((file) => /\.(map|ts|heapsnapshot)$/.test(file) || file.startsWith('src/') || file.startsWith('test/')), []);
});
