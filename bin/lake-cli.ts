import { parseArgs } from 'node:util';
import { exportLakeRange, type LakeExportResult } from '../pipelines/lake-export.js';
import { systemClock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import { AppError } from '../platform/errors.js';
import { createLog } from '../platform/log.js';
import { migrate } from '../platform/migrate.js';
import { openDatabase } from '../platform/open-database.js';
import { openObjectStore } from '../platform/open-object-store.js';
import { connectToServer } from './server-client.js';

class LakeCliError extends Error {}

/**
 * `kosh lake export --from YYYY-MM-DD --to YYYY-MM-DD [--tables a,b]`: through the running server when there is
 * one (DuckDB lets one process open the file), else in this process.
 */
export async function runLakeCli(argv: string[], config: Config, usage: string): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { from: { type: 'string' }, to: { type: 'string' }, tables: { type: 'string' } },
  });
  if (sub !== 'export' || values.from === undefined || values.to === undefined) {
    console.error(usage);
    return 1;
  }
  const tables = values.tables
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const input = { from: values.from, to: values.to, ...(tables === undefined ? {} : { tables }) };
  try {
    const server = await connectToServer(config, { fail: (m) => new LakeCliError(m) });
    let result: LakeExportResult;
    let where: string;
    if (server !== null) {
      result = await server.call<LakeExportResult>('POST', '/lake/exports', 201, input);
      where = `through the server at ${server.url}`;
    } else {
      const database = await openDatabase(config);
      const db = database.db;
      const objects = openObjectStore(config);
      try {
        await migrate(db, systemClock);
        const log = createLog({ level: config.logLevel === 'info' ? 'warn' : config.logLevel });
        result = await exportLakeRange({ db, objects, clock: systemClock, log }, input);
      } finally {
        objects.close();
        await database.close();
      }
      where = `in this process on ${db.location}`;
    }
    console.log(
      `exported ${result.partitions} partition(s) of ${result.tables.join(', ')}: ${result.rows} rows, ${result.bytes} bytes` +
        `${result.emptied > 0 ? `, ${result.emptied} emptied` : ''} (${where})`,
    );
    return 0;
  } catch (err) {
    if (err instanceof LakeCliError || err instanceof AppError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
}
