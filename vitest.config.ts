import { configDefaults, defineConfig } from 'vitest/config';
import { filesWithoutTheirTools } from './tests/support/system-tools.js';

/**
 * Files that run one at a time after everything else:
 * - the payments change feed reads below `pg_snapshot_xmin`, and transaction ids are shared by every database of a
 *   cluster, so another file's open transaction (in its own database) would hold the feed back;
 * - the crash and process tests spawn and kill kosh processes against deadlines: beside another file they only get
 *   slower and nearer their timeouts.
 */
export const ALONE = [
  'tests/features/payment-feed.test.ts',
  'tests/pipelines/lake-append.test.ts',
  'tests/serving/idempotency-kill.test.ts',
  'tests/serving/billing-kill.test.ts',
  'tests/serving/money-points-kill.test.ts',
  'tests/serving/workers.test.ts',
  'tests/bin/npm-start-signal.test.ts',
  'tests/bin/startup-failures.test.ts',
];

export default defineConfig({
  test: {
    // A file whose system command (pdftotext, chromium, …) is missing is left out, saying so; CI requires them all.
    exclude: [...configDefaults.exclude, ...filesWithoutTheirTools()],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Test files share a worker's module cache instead of re-importing the app for each file (import time went from
    // ~105 s to ~10 s of the embedded pass; 717 → 551 s wall). Every file makes its own database, harness and
    // servers and restores its mocks, so nothing leaks between files through modules.
    isolate: false,
    globalSetup: ['tests/support/postgres-global-setup.ts'],
    // Two files at a time (each in its own database of the one cluster), then the files that need the cluster alone.
    projects: [
      {
        extends: true,
        test: { name: 'shared', include: ['tests/**/*.test.ts'], exclude: ALONE, maxWorkers: 2 },
      },
      {
        extends: true,
        test: { name: 'alone', include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
