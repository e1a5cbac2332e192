import { existsSync } from 'node:fs';
import path from 'node:path';
import { systemClock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import { ImportRefused, importDuckDb } from '../platform/import-duckdb.js';
import { migrate } from '../platform/migrate.js';
import { openDatabase } from '../platform/open-database.js';
import { table } from './text-table.js';

/** `kosh import-duckdb FILE`: moves a pre-PostgreSQL kosh database into this install's PostgreSQL, and proves it. */
export async function runImportDuckDbCli(argv: string[], config: Config, usage: string): Promise<number> {
  const [file] = argv;
  if (file === undefined || argv.length !== 1) {
    console.error(usage);
    return 1;
  }
  if (!existsSync(file)) {
    console.error(`no file ${file}`);
    return 1;
  }
  const database = await openDatabase(config);
  try {
    await migrate(database.db, systemClock);
    const report = await importDuckDb(database.db, path.resolve(file));
    console.log(
      table(
        ['table', 'rows (equal on both sides)'],
        report.tables.map((t) => [t.table, String(t.rows)]),
      ),
    );
    console.log(`\nledger: ${report.ledgerLines} lines; sum per account and currency equal on both sides:`);
    console.log(
      table(
        ['account', 'currency', 'sum (paise)'],
        report.ledger.map((l) => [l.account, l.currency, String(l.amount_minor)]),
      ),
    );
    if (report.skipped.length > 0)
      console.log(`\nnot imported (no such table in PostgreSQL): ${report.skipped.join(', ')}`);
    console.log(`\nimported ${file} into ${database.db.location}`);
    return 0;
  } catch (err) {
    if (err instanceof ImportRefused) {
      console.error(`import refused: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await database.close();
  }
}
