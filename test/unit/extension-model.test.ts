// The extension's plain-Node parts: escaping heap text for hovers, the snapshot folder's
// protection from git, snapshot file names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeMarkdown } from '../../src/extension/model/markdown.ts';
import { prepareSnapshotFolder, snapshotFileName } from '../../src/extension/snapshot-folder.ts';
import { scratch } from '../helpers/paths.ts';

test('heap strings in a hover stay text: no HTML, no links, no command URIs', () => {
  const hostile = '<img src=x onerror=alert(1)> [run](command:workbench.action.terminal.new) **bold** `code`\n# heading';
  const escaped = escapeMarkdown(hostile);
  assert.doesNotMatch(escaped.replace(/&#\d+;/g, ''), /[<>[\]()*`#\n]/);
  // Every character survives, as an entity a Markdown renderer shows literally.
  const decoded = escaped.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
  assert.equal(decoded, hostile.replace('\n', ' '));
});

test('a snapshot folder inside a git work tree is made to ignore snapshots; elsewhere it is left alone', async () => {
  const repo = scratch('git');
  execFileSync('git', ['init', '-q', repo]);
  const folder = join(repo, 'snapshots');
  assert.equal(await prepareSnapshotFolder(folder), 'ignored-now');
  assert.match(readFileSync(join(folder, '.gitignore'), 'utf8'), /^\*$/m);
  const status = execFileSync('git', ['-C', repo, 'status', '--porcelain', '--untracked-files=all'], { encoding: 'utf8' });
  assert.equal(status, '', 'nothing in the folder shows up for git, not even its .gitignore');
  assert.equal(await prepareSnapshotFolder(folder), 'already-ignored');

  const ignoredByRepo = join(repo, 'ignored');
  execFileSync('sh', ['-c', `echo ignored/ >> ${join(repo, '.gitignore')}`]);
  assert.equal(await prepareSnapshotFolder(ignoredByRepo), 'already-ignored');

  assert.equal(await prepareSnapshotFolder(join(scratch('nogit'), 'snaps')), 'not-in-git');
});

test('snapshot file names sort by time and hold nothing a path could trip on', () => {
  const at = new Date('2026-11-29T10:04:05Z');
  assert.equal(snapshotFileName('Map cache', at, 1), 'Map-cache-2026-11-29T10-04-05-1.heapsnapshot');
  assert.equal(snapshotFileName('../../etc/passwd', at, 2), 'etc-passwd-2026-11-29T10-04-05-2.heapsnapshot');
  assert.equal(snapshotFileName('', at, 3), 'node-2026-11-29T10-04-05-3.heapsnapshot');
});
