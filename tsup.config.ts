import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'storage/index': 'src/storage/index.ts',
      'storage/browser': 'src/storage/browser.ts',
      'erasure/index': 'src/erasure/index.ts',
      'erasure/codec': 'src/erasure/browser.ts',
      'datasets/index': 'src/datasets/index.ts',
      'datasets/browser': 'src/datasets/browser.ts',
      'delta/index': 'src/delta/index.ts',
      'delta/browser': 'src/delta/browser.ts',
      'db/index': 'src/db/index.ts',
      'db/browser': 'src/db/browser.ts',
      'gateway/index': 'src/gateway/index.ts',
      'lake/index': 'src/lake/index.ts',
      'testing/index': 'src/testing/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: true,
    treeshake: true,
    // hyparquet and hyparquet-writer ship ESM only; bundling them keeps the lake's CommonJS entry loadable
    // with require() on every Node the package supports (require(esm) needs Node 20.19+).
    noExternal: ['hyparquet', 'hyparquet-writer'],
  },
  {
    entry: { 'cli/index': 'src/cli/index.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    noExternal: ['hyparquet', 'hyparquet-writer'],
  },
]);
