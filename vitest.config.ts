import { defineConfig } from 'vitest/config';

// Unit tests need no server; integration tests get a real Postgres from the global setup
// (embedded, or TEST_DATABASE_URL) and real Docker where an engine answers; e2e runs the
// built CLI on the demo workspace. 2 cores: keep parallelism modest.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/helpers/global-setup.ts'],
          // A reset tidies in the foreground: a detached tidy-copies would outlive its test.
          env: { DEVUP_NO_BACKGROUND_TIDY: '1' },
          testTimeout: 60_000,
          hookTimeout: 120_000,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
