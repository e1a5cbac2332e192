import type { Db } from './db.js';
import { loadDuckDb } from './duckdb.js';

/**
 * Moves a kosh DuckDB file (the system of record before PostgreSQL) into a migrated, empty PostgreSQL database,
 * in one transaction, and proves it: the same row count in every table, and the same ledger sum per account and
 * currency, read back from both sides. This is a migration tool like pg_restore: it writes every table, which
 * no use case may do.
 */
export interface ImportReport {
  readonly tables: readonly { table: string; rows: number }[];
  /** Tables of the DuckDB file that PostgreSQL does not have (left behind, named so nothing is lost silently). */
  readonly skipped: readonly string[];
  readonly ledger: readonly { account: string; currency: string; amount_minor: number }[];
  readonly ledgerLines: number;
}

export class ImportRefused extends Error {}

/** Tables whose rows say the target is in use: an import never merges into live data. */
const RECORD_TABLES = ['payments', 'orders', 'customers', 'journal_entries', 'api_keys', 'subscriptions', 'invoices'];
const BATCH = 20_000;
const IDENT = /^[a-z_][a-z0-9_]*$/;

interface DuckReader {
  all(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

async function openReadOnly(file: string): Promise<DuckReader> {
  const instance = await (await loadDuckDb()).DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  return {
    all: async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[],
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** Parents before children, so foreign keys hold at every row. */
async function insertOrder(db: Db, tables: string[]): Promise<string[]> {
  const edges = await db.all<{ child: string; parent: string }>(
    `SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent
     FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace`,
  );
  const ordered: string[] = [];
  const pending = new Set(tables);
  while (pending.size > 0) {
    const ready = [...pending].filter((t) =>
      edges.every((e) => e.child !== t || e.parent === t || !pending.has(e.parent)),
    );
    if (ready.length === 0) throw new Error(`foreign keys form a cycle among ${[...pending].join(', ')}`);
    for (const t of ready.sort()) {
      ordered.push(t);
      pending.delete(t);
    }
  }
  return ordered;
}

const toNumber = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v);

export async function importDuckDb(db: Db, file: string): Promise<ImportReport> {
  const duck = await openReadOnly(file);
  try {
    const sourceTables = (
      await duck.all(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE'",
      )
    )
      .map((r) => String(r['table_name']))
      .filter((t) => t !== 'schema_migrations' && IDENT.test(t));
    const targetTables = new Set(
      (
        await db.all<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables
           WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
        )
      ).map((r) => r.table_name),
    );
    if (!targetTables.has('schema_migrations'))
      throw new ImportRefused('the target database is not migrated: run kosh migrate');
    for (const t of RECORD_TABLES) {
      if (!targetTables.has(t)) continue;
      const n = (await db.one<{ n: number }>(`SELECT count(*) AS n FROM ${t}`))?.n ?? 0;
      if (n > 0)
        throw new ImportRefused(
          `the target database already holds ${n} rows in ${t}: import only into an empty database`,
        );
    }
    const tables = await insertOrder(
      db,
      sourceTables.filter((t) => targetTables.has(t)),
    );
    const skipped = sourceTables.filter((t) => !targetTables.has(t));

    const { out: counts, ledger: fromPg } = await db.transaction(async (tx) => {
      const out: { table: string; rows: number }[] = [];
      // Children first when emptying (the migrations seed a few rows, e.g. the default invoice template).
      for (const table of [...tables].reverse()) await tx.run(`DELETE FROM ${table}`);
      for (const table of tables) {
        const targetColumns = new Set(
          (
            await tx.all<{ column_name: string }>(
              `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $table`,
              { table },
            )
          ).map((c) => c.column_name),
        );
        const columns = (
          await duck.all(
            `SELECT column_name FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`,
          )
        )
          .map((r) => String(r['column_name']))
          .filter((c) => targetColumns.has(c) && IDENT.test(c));
        let copied = 0;
        for (let offset = 0; ; offset += BATCH) {
          const rows = await duck.all(
            `SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM ${table} ORDER BY rowid LIMIT ${BATCH} OFFSET ${offset}`,
          );
          if (rows.length === 0) break;
          copied += await tx.copyIn(
            table,
            columns,
            rows.map((r) => columns.map((c) => toNumber(r[c]))),
          );
          if (rows.length < BATCH) break;
        }
        out.push({ table, rows: copied });
      }
      // Sequences continue after the imported values.
      if (tables.includes('model_events')) {
        await tx.run("SELECT setval('model_event_seq', GREATEST((SELECT max(seq) FROM model_events), 1))");
      }
      // The proof, before the commit: counts and ledger sums read back from both sides.
      for (const { table, rows } of out) {
        const source = Number((await duck.all(`SELECT count(*) AS n FROM ${table}`))[0]?.['n'] ?? -1);
        const target = (await tx.one<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))?.n ?? -1;
        if (source !== rows || target !== rows) {
          throw new Error(`${table}: ${source} rows in DuckDB, ${rows} copied, ${target} in PostgreSQL`);
        }
      }
      const LEDGER = `SELECT account, currency, sum(amount_minor) AS amount_minor, count(*) AS lines
                      FROM journal_lines GROUP BY account, currency ORDER BY account, currency`;
      const fromDuck = (await duck.all(LEDGER)).map((r) => ({
        account: String(r['account']),
        currency: String(r['currency']),
        amount_minor: Number(r['amount_minor']),
        lines: Number(r['lines']),
      }));
      const fromPg = await tx.all<{ account: string; currency: string; amount_minor: number; lines: number }>(LEDGER);
      if (JSON.stringify(fromDuck) !== JSON.stringify(fromPg)) {
        throw new Error('the ledger sums differ between DuckDB and PostgreSQL after the import');
      }
      return { out, ledger: fromPg };
    });

    return {
      tables: counts,
      skipped,
      ledger: fromPg.map(({ account, currency, amount_minor }) => ({ account, currency, amount_minor })),
      ledgerLines: fromPg.reduce((n, r) => n + r.lines, 0),
    };
  } finally {
    duck.close();
  }
}
