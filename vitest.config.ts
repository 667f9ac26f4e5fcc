import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // installs the Debian tools the tests use, once, before any test starts (or names them)
    globalSetup: ['test/support/provision.ts'],
    // fast-check: a fixed seed (FC_SEED to change it) and failures that name it on their first line
    setupFiles: ['test/support/fast-check.ts'],
    testTimeout: 120_000, // generous: CI machines are shared and tests that spawn CLIs slow down most
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
