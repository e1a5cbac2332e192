import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.js';
import { freePort } from '../../platform/embedded-postgres.js';

describe('the database is unreachable at start', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kosh-unreachable-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([['serve'], ['migrate'], ['keys', 'create', '--scopes', 'admin']])(
    'when `kosh %s` starts against a server that is not there → one clear line naming it (no password), exit 2',
    async (...argv) => {
      const port = await freePort();
      const errors: string[] = [];
      const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
        errors.push(args.map(String).join(' '));
      });
      try {
        const code = await main(argv, {
          KOSH_DATABASE_URL: `postgres://kosh:s3cret@127.0.0.1:${port}/kosh`,
          KOSH_DATA_DIR: dir,
          LOG_LEVEL: 'silent',
        });
        expect(code).toBe(2);
      } finally {
        spy.mockRestore();
      }
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBe(
        `cannot reach the database at postgres://kosh:***@127.0.0.1:${port}/kosh: connect ECONNREFUSED 127.0.0.1:${port}`,
      );
    },
  );
});
