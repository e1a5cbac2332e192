import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../bin/cli.js';
import { openDb } from '../../platform/db.js';
import { createTestDatabase, dropTestDatabase } from '../support/db.js';

describe('kosh train forecast', () => {
  it('when run without a server → every segment is refreshed into the cache and summarised', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kosh-forecast-'));
    const url = await createTestDatabase();
    const lines: string[] = [];
    const log = console.log;
    try {
      const env = { KOSH_DATA_DIR: dir, KOSH_DATABASE_URL: url, LOG_LEVEL: 'silent' };
      expect(await main(['seed', '--payments', '1500', '--months', '6', '--schools', '2', '--seed', '5'], env)).toBe(0);
      console.log = (s: string) => lines.push(s);
      expect(await main(['train', 'forecast'], env)).toBe(0);
      console.log = log;
      expect(lines[0]).toMatch(/^refreshed \d+ forecasts of \d+ segments/);
      const db = await openDb(url);
      const rows = await db.all<{ segment: string; n: number }>(
        'SELECT segment, count(*) AS n FROM revenue_forecasts GROUP BY segment ORDER BY segment',
      );
      await db.close();
      expect(rows.map((r) => r.segment)).toContain('overall');
      expect(rows.filter((r) => r.segment.startsWith('school:'))).toHaveLength(2);
      expect(rows.every((r) => Number(r.n) === 3)).toBe(true);
    } finally {
      console.log = log;
      rmSync(dir, { recursive: true, force: true });
      await dropTestDatabase(url);
    }
  }, 120_000);
});
