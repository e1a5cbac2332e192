import { configDefaults, defineConfig } from 'vitest/config';
import { filesWithoutTheirTools } from './tests/support/system-tools.js';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
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
  },
});
