import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type Clock, systemClock } from '../platform/clock.js';
import { openDb, redactUrl } from '../platform/db.js';
import { startEmbeddedPostgres } from '../platform/embedded-postgres.js';
import { migrate } from '../platform/migrate.js';

/** A PostgreSQL server a benchmark creates its databases on. */
export interface BenchServer {
  /** A URL of one of its databases (any: benchmarks create their own next to it). */
  readonly url: string;
  /** What to call it in a report: "embedded PostgreSQL 17" or the external server's redacted URL and version. */
  readonly label: string;
  stop(): Promise<void>;
}

/** A database of a bench run: created empty (and migrated unless asked not to), dropped by `drop`. */
export interface BenchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return String((await client.query('SHOW server_version')).rows[0]?.server_version ?? '?');
  } finally {
    await client.end();
  }
}

/** The embedded default, as a kosh user gets it: a fresh cluster in a temp dir, removed at `stop`. */
export async function startEmbeddedBenchServer(): Promise<BenchServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kosh-bench-pg-'));
  try {
    const pgServer = await startEmbeddedPostgres(dir);
    return {
      url: pgServer.url,
      label: `embedded PostgreSQL ${await serverVersion(pgServer.url)}`,
      stop: async () => {
        // The server's exit is all the event loop waits for at the end of a bench, and its child handle is
        // unref'd: without a timer of our own the process would end before it and leave the dir behind.
        const keepAlive = setInterval(() => undefined, 50);
        try {
          await pgServer.stop();
        } finally {
          clearInterval(keepAlive);
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** `KOSH_BENCH_DATABASE_URL` (a separate server, e.g. scripts/with-postgres-server.sh), or null. */
export async function externalBenchServer(): Promise<BenchServer | null> {
  const url = process.env['KOSH_BENCH_DATABASE_URL'];
  if (url === undefined || url === '') return null;
  return {
    url,
    label: `server PostgreSQL ${await serverVersion(url)} at ${redactUrl(url)}`,
    stop: async () => undefined,
  };
}

/** The server a benchmark runs on: `KOSH_BENCH_DATABASE_URL` when set, else the embedded default. */
export async function startBenchServer(): Promise<BenchServer> {
  return (await externalBenchServer()) ?? (await startEmbeddedBenchServer());
}

/** Creates a database `kosh_bench_…` on the server and runs kosh's migrations on it (unless `migrate: false`). */
export async function createBenchDatabase(
  serverUrl: string,
  options: { migrate?: boolean; clock?: Clock } = {},
): Promise<BenchDatabase> {
  const name = `kosh_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database: BenchDatabase = {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
  if (options.migrate !== false) {
    const db = await openDb(database.url, { max: 1 });
    try {
      await migrate(db, options.clock ?? systemClock);
    } catch (err) {
      await db.close();
      await database.drop();
      throw err;
    }
    await db.close();
  }
  return database;
}
