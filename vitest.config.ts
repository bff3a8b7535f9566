import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One throwaway PostgreSQL server for the PostgreSQL suite (skipped when none is installed).
    globalSetup: ['test/support/postgres-global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Worker-thread and end-to-end suites start real servers; two cores run two files at once.
    maxWorkers: 2,
  },
});
