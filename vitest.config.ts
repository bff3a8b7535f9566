import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The dashboard bundle, and one throwaway PostgreSQL server for the PostgreSQL suite
    // (skipped when none is installed).
    globalSetup: ['test/support/global-setup.ts', 'test/support/postgres-global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Worker-thread and end-to-end suites start real servers; two cores run two files at once.
    maxWorkers: 2,
  },
});
