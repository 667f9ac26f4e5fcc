import { defineConfig, type Options } from 'tsup';

/** The library entries (dist name → source), built as ESM and as CJS. */
export const entries = {
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
  'lake/http/index': 'src/lake/http/index.ts',
  'lake/browser': 'src/lake/browser.ts',
};

/** Entries built as ESM only. */
export const esmOnlyEntries = { 'testing/index': 'src/testing/index.ts' };

const library: Options = {
  dts: true,
  sourcemap: true,
  target: 'node22',
  splitting: true,
  treeshake: true,
  // hyparquet and hyparquet-writer ship ESM only; bundling them keeps the lake's CommonJS entry loadable
  // with require() on every Node the package supports.
  noExternal: ['hyparquet', 'hyparquet-writer'],
};

export default defineConfig([
  // bucketkit/testing is ESM only: it registers vitest suites, and vitest cannot be loaded with require()
  {
    ...library,
    entry: { ...entries, ...esmOnlyEntries },
    format: ['esm'],
    clean: true,
  },
  { ...library, entry: entries, format: ['cjs'] },
  {
    entry: { 'cli/index': 'src/cli/index.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node22',
    banner: { js: '#!/usr/bin/env node' },
    noExternal: ['hyparquet', 'hyparquet-writer'],
  },
]);
