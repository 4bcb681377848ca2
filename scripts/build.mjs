// One esbuild pass for every entry point; `vscode` stays external for the extension bundle.
import { build } from 'esbuild';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';

const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  external: ['vscode'],
  // The snapshot reader starts its section workers from the bundle beside it.
  define: { LEAKSCOPE_VERSION: JSON.stringify(version), LEAKSCOPE_SNAPSHOT_WORKER: '"snapshot-worker.js"', 'import.meta.url': 'undefined' },
};

// The repository is ESM (tests, scripts); the bundles are CommonJS, as VS Code loads extensions.
await mkdir('dist', { recursive: true });
await writeFile('dist/package.json', '{ "type": "commonjs" }\n');
await build({
  ...common,
  entryPoints: {
    cli: 'src/cli/main.ts',
    worker: 'src/analysis/worker.ts',
    'snapshot-worker': 'src/snapshot/snapshot-worker.ts',
    'async-preload': 'src/inspector/async-preload.ts',
  },
  outdir: 'dist',
  banner: { js: '#!/usr/bin/env node' },
});
await chmod('dist/cli.js', 0o755);
await build({ ...common, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist' });

// The Memory Growth panel runs in the webview: a browser bundle, its CSS (uPlot's) beside it.
await build({
  ...common,
  platform: 'browser',
  target: 'chrome120',
  format: 'iife',
  define: {},
  entryPoints: { webview: 'src/webview/panel.ts' },
  outdir: 'dist',
});

// The TypeScript example, with a source map beside it: what a user's own build looks like.
await build({
  ...common,
  define: {},
  entryPoints: ['examples/ts-service/src/server.ts'],
  outfile: 'examples/ts-service/dist/server.js',
  sourcemap: 'linked',
});
await writeFile('examples/ts-service/dist/package.json', '{ "type": "commonjs" }\n');
