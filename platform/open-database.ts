import type { Config } from './config.js';
import { type Db, type OpenDbOptions, openDb } from './db.js';
import { ClusterMissing, type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres.js';
import { refuseNewerDatabase } from './migrate.js';
import { checkDataDir, checkListen, DatabaseUnreachable, isDiskFull } from './preflight.js';

export { DatabaseUnreachable } from './preflight.js';

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
 * A database migrated by a newer kosh is refused here (StartupError: one line, exit 2), so no command reads or
 * writes a schema it does not know; `allowNewer` is for `kosh doctor`, which reports it instead.
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  { allowNewer = false, ...options }: OpenDbOptions & { readonly allowNewer?: boolean } = {},
): Promise<OpenedDatabase> {
  let embedded: EmbeddedPostgres | null = null;
  try {
    embedded = config.databaseUrl === null ? await startEmbeddedPostgres(config.dataDir) : null;
  } catch (err) {
    if (err instanceof ClusterMissing) throw new DatabaseUnreachable(err.message);
    if (isDiskFull(err)) {
      throw new DatabaseUnreachable(
        `cannot start the embedded PostgreSQL under ${config.dataDir}: the disk is full: free space there, or set KOSH_DATA_DIR to a disk with room`,
      );
    }
    throw new DatabaseUnreachable(
      `cannot start the embedded PostgreSQL under ${config.dataDir}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const url = config.databaseUrl ?? embedded?.url ?? '';
  const db = await openDb(url, options);
  try {
    await db.one('SELECT 1');
  } catch (err) {
    await db.close().catch(() => undefined);
    await embedded?.stop();
    const cause = (err as { cause?: unknown }).cause ?? err;
    throw new DatabaseUnreachable(
      `cannot reach the database at ${db.location}: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
  if (!allowNewer) {
    try {
      await refuseNewerDatabase(db);
    } catch (err) {
      await db.close().catch(() => undefined);
      await embedded?.stop();
      throw err;
    }
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

/**
 * The start of a server: the data dir takes a file, the address can be listened on (not for a cluster worker, which
 * listens on its primary's checked port), then the database opens. Each refusal is one line (StartupError,
 * DatabaseUnreachable); `kosh serve` runs this before it loads the server's code.
 */
export async function openDatabaseToServe(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'host' | 'port'>,
  { listen = true }: { readonly listen?: boolean } = {},
): Promise<OpenedDatabase> {
  checkDataDir(config.dataDir);
  if (listen) await checkListen(config.host, config.port);
  return await openDatabase(config);
}
