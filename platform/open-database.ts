import type { Config } from './config.js';
import { type Db, type OpenDbOptions, openDb } from './db.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres.js';

export interface OpenedDatabase {
  readonly db: Db;
  /** The embedded cluster, when no `KOSH_DATABASE_URL` is set. */
  readonly embedded: EmbeddedPostgres | null;
  /** Closes the pool, then stops the embedded server if this process started it. */
  close(): Promise<void>;
}

/**
 * The system of record named by the config: `KOSH_DATABASE_URL`, or the embedded PostgreSQL under the data dir
 * (started by the first kosh process that needs it, joined by the others: the CLI works while the server runs).
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  options: OpenDbOptions = {},
): Promise<OpenedDatabase> {
  const embedded = config.databaseUrl === null ? await startEmbeddedPostgres(config.dataDir) : null;
  const url = config.databaseUrl ?? embedded?.url ?? '';
  let db: Db;
  try {
    db = await openDb(url, options);
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
  return {
    db,
    embedded,
    close: async () => {
      await db.close();
      await embedded?.stop();
    },
  };
}
