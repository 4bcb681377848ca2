// One esbuild pass for every entry point; `vscode` stays external for the extension bundle.
import { build } from 'esbuild';
import { chmod } from 'node:fs/promises';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  external: ['vscode'],
};

await build({
  ...common,
  entryPoints: { cli: 'src/cli/main.ts', worker: 'src/analysis/worker.ts' },
  outdir: 'dist',
  banner: { js: '#!/usr/bin/env node' },
});
await chmod('dist/cli.js', 0o755);
