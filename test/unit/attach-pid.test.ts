// Where SIGUSR1 opens a Node process's inspector, read from its command line and NODE_OPTIONS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signalledAddress } from '../../src/inspector/attach-pid.ts';

test('without an inspector flag, SIGUSR1 opens 127.0.0.1:9229', () => {
  assert.deepEqual(signalledAddress(['node', 'app.js'], null), { host: '127.0.0.1', port: 9229 });
  assert.deepEqual(signalledAddress(['node', '--inspect', 'app.js'], null), { host: '127.0.0.1', port: 9229 });
});

test('--inspect-port and the --inspect family set the port, and the host when given; the last one wins', () => {
  assert.deepEqual(signalledAddress(['node', '--inspect-port=0', 'app.js'], null), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(signalledAddress(['node', '--inspect-port', '9300', 'app.js'], null), { host: '127.0.0.1', port: 9300 });
  assert.deepEqual(signalledAddress(['node', '--inspect=localhost:9231', 'app.js'], null), { host: 'localhost', port: 9231 });
  assert.deepEqual(signalledAddress(['node', '--inspect-brk=[::1]:9232', 'app.js'], null), { host: '::1', port: 9232 });
  assert.deepEqual(signalledAddress(['node', '--debug-port=9233', '--inspect-port=9234', 'app.js'], null), { host: '127.0.0.1', port: 9234 });
  assert.deepEqual(signalledAddress(['node', '--inspect-port=0.0.0.0', 'app.js'], null), { host: '0.0.0.0', port: 9229 });
});

test('NODE_OPTIONS counts, and the command line overrides it: a port alone keeps the host set before, as in Node', () => {
  assert.deepEqual(signalledAddress(['node', 'app.js'], '--max-old-space-size=512 --inspect-port=0.0.0.0:9240'), { host: '0.0.0.0', port: 9240 });
  assert.deepEqual(signalledAddress(['node', '--inspect-port=9241', 'app.js'], '--inspect-port=0.0.0.0:9240'), { host: '0.0.0.0', port: 9241 });
  assert.deepEqual(signalledAddress(['node', '--inspect-port=127.0.0.1:9241', 'app.js'], '--inspect-port=0.0.0.0:9240'), { host: '127.0.0.1', port: 9241 });
});

test("the program's own arguments are read too: a host that only looks like the inspector's is refused rather than opened", () => {
  assert.deepEqual(signalledAddress(['node', 'app.js', '--inspect=0.0.0.0:9229'], null), { host: '0.0.0.0', port: 9229 });
});
