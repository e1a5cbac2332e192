import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { systemClock } from '../../platform/clock.js';
import { openDb } from '../../platform/db.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../platform/embedded-postgres.js';
import { migrate } from '../../platform/migrate.js';
import { TEMPLATE } from './db.js';

/**
 * One PostgreSQL for the whole run: the embedded default in a temp directory, or the server named by
 * `KOSH_TEST_DATABASE_URL` (scripts/with-postgres-server.sh starts a throwaway one). A migrated template database
 * is made once; every test database is a copy of it (tests/support/db.ts), so each file starts empty and migrated.
 */
export default async function setup(): Promise<() => Promise<void>> {
  // Each vitest project runs the global setup; the first one in this process prepares the cluster for all of them.
  if (process.env['KOSH_TEST_TEMPLATE_READY'] === '1') return async () => {};
  let embedded: EmbeddedPostgres | null = null;
  let dir: string | null = null;
  let url = process.env['KOSH_TEST_DATABASE_URL'];
  if (url === undefined || url === '') {
    dir = mkdtempSync(path.join(tmpdir(), 'kosh-test-pg-'));
    embedded = await startEmbeddedPostgres(dir);
    url = embedded.url;
    process.env['KOSH_TEST_DATABASE_URL'] = url;
  }
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE}`);
  await admin.end();
  const templateUrl = new URL(url);
  templateUrl.pathname = `/${TEMPLATE}`;
  const db = await openDb(templateUrl.toString(), { max: 1 });
  await migrate(db, systemClock);
  await db.close();
  process.env['KOSH_TEST_TEMPLATE_READY'] = '1';
  return async () => {
    await embedded?.stop();
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  };
}
