import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Db, type OpenDbOptions, openDb } from '../../platform/db.js';

export const TEMPLATE = 'kosh_test_template';

/** The test server (tests/support/postgres-global-setup.ts). */
export function testServerUrl(): string {
  const url = process.env['KOSH_TEST_DATABASE_URL'];
  if (url === undefined || url === '')
    throw new Error('KOSH_TEST_DATABASE_URL is not set: run the tests through vitest');
  return url;
}

/** A URL of a new, migrated, empty database on the test server; dropped by `dropTestDatabase`. */
export async function createTestDatabase(): Promise<string> {
  const name = `kosh_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testServerUrl() });
  await admin.connect();
  try {
    // CREATE DATABASE … TEMPLATE refuses while another session copies the same template: wait and retry.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== '55006' || attempt > 100) throw err;
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
      }
    }
  } finally {
    await admin.end();
  }
  const url = new URL(testServerUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: testServerUrl() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** A fresh migrated database for one test file; `close()` drops it. */
export async function openTestDb(options: OpenDbOptions = {}): Promise<Db> {
  const url = await createTestDatabase();
  const db = await openDb(url, options);
  return {
    ...db,
    close: async () => {
      await db.close();
      await dropTestDatabase(url);
    },
  };
}
