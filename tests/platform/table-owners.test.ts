import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * One owning module per table (DESIGN.md): every table is written (INSERT/UPDATE/DELETE/COPY … FROM) by exactly one
 * folder; set-based paths call the owner's set-based entry point instead of their own SQL. A folder is
 * `payments-core/<domain>` inside payments-core, else the top-level folder. The scan reads the SQL text of the
 * source folders; tests, bench, migrations and node_modules are not scanned.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const SOURCE_FOLDERS = ['payments-core', 'pipelines', 'models', 'serving', 'platform', 'features', 'data', 'bin'];
const SKIPPED_DIRS = new Set(['node_modules', 'migrations', 'tests', 'bench']);

/**
 * Writers allowed beside a table's owner, each with its reason. Keep it short: an entry is a debt, and the test
 * fails when an entry no longer matches a write, so a fixed one is removed from here too.
 */
const ALLOWED: readonly { table: string | '*'; writer: string; why: string }[] = [
  // Demo and fixture seeding writes its rows directly, below every use case (`kosh seed`, dashboard demo, fixtures).
  { table: '*', writer: 'data', why: 'demo and fixture seeding' },
];

type Writes = Map<string, Set<string>>;

const WRITE_PATTERNS: readonly RegExp[] = [
  /\bINSERT\s+INTO\s+([a-z_][a-z0-9_]*)/g,
  /\bUPDATE\s+([a-z_][a-z0-9_]*)/g,
  /\bDELETE\s+FROM\s+([a-z_][a-z0-9_]*)/g,
  // Only COPY into a table (`COPY t FROM …`, `COPY t (cols) FROM …`); `COPY t TO` and `COPY (query) TO` read.
  /\bCOPY\s+([a-z_][a-z0-9_]*)\s*(?:\([^)]*\)\s*)?FROM\b/g,
];

function folderOf(file: string): string {
  const parts = path.relative(ROOT, file).split(path.sep);
  return parts[0] === 'payments-core' ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const CREATE_TABLE =
  /\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\s+|TEMPORARY\s+|UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)/g;

/**
 * Every table the code can write: those the migrations create, and the temporary (or DuckDB) ones the source
 * creates. A word after UPDATE that names no table (prose in a comment) is not a write.
 */
function knownTables(): Set<string> {
  const migrations = path.join(ROOT, 'platform', 'migrations');
  const texts = [
    ...readdirSync(migrations)
      .filter((f) => f.endsWith('.sql'))
      .map((f) => readFileSync(path.join(migrations, f), 'utf8')),
    ...SOURCE_FOLDERS.flatMap((top) => sourceFiles(path.join(ROOT, top)).map((f) => readFileSync(f, 'utf8'))),
  ];
  return new Set(texts.flatMap((t) => [...t.matchAll(CREATE_TABLE)].map((m) => m[1] as string)));
}
const TABLES = knownTables();

/** Adds the tables `text` writes to `writes`, as written by `folder`. */
function scan(writes: Writes, folder: string, text: string): Writes {
  for (const pattern of WRITE_PATTERNS) {
    for (const m of text.matchAll(pattern)) {
      const table = m[1] as string;
      if (!TABLES.has(table)) continue;
      const writers = writes.get(table) ?? new Set<string>();
      writers.add(folder);
      writes.set(table, writers);
    }
  }
  return writes;
}

function scanTree(): Writes {
  const writes: Writes = new Map();
  for (const top of SOURCE_FOLDERS) {
    for (const file of sourceFiles(path.join(ROOT, top))) scan(writes, folderOf(file), readFileSync(file, 'utf8'));
  }
  return writes;
}

const allowed = (table: string, writer: string): boolean =>
  ALLOWED.some((a) => (a.table === '*' || a.table === table) && a.writer === writer);

/** Tables with more than one writer outside the allow list, as `table: writer, writer`. */
function violations(writes: Writes): string[] {
  return [...writes]
    .map(([table, writers]) => [table, [...writers].filter((w) => !allowed(table, w)).sort()] as const)
    .filter(([, owners]) => owners.length > 1)
    .map(([table, owners]) => `${table}: ${owners.join(', ')}`)
    .sort();
}

function copyOf(writes: Writes): Writes {
  return new Map([...writes].map(([t, w]) => [t, new Set(w)]));
}

describe('table owners', () => {
  const writes = scanTree();

  it('when the source is scanned → the known owners are found (the scan is not blind)', () => {
    expect([...(writes.get('journal_entries') ?? [])]).toEqual(['payments-core/ledger']);
    expect([...(writes.get('journal_lines') ?? [])]).toEqual(['payments-core/ledger']);
    expect([...(writes.get('billing_records') ?? [])]).toEqual(['payments-core/billing']);
    expect([...(writes.get('retry_items') ?? [])]).toEqual(['payments-core/retries']);
    expect([...(writes.get('subscription_charges') ?? [])]).toEqual(['payments-core/subscriptions']);
    expect([...(writes.get('subscription_events') ?? [])]).toEqual(['payments-core/subscriptions']);
    expect(writes.get('subscriptions')).toEqual(new Set(['payments-core/subscriptions', 'data']));
    // An UNLOGGED table (migration 030) is a table too.
    expect([...(writes.get('rate_windows') ?? [])]).toEqual(['platform']);
    expect([...(writes.get('dashboard_sessions') ?? [])]).toEqual(['payments-core/dashboard-sessions']);
  });

  it('when every source folder is scanned → each table has exactly one owner beside the allow list', () => {
    expect(violations(writes)).toEqual([]);
  });

  it('when an allow-list entry no longer matches a write → it is stale and must be removed', () => {
    const stale = ALLOWED.filter((a) => a.table !== '*' && !writes.get(a.table)?.has(a.writer)).map(
      (a) => `${a.table} ← ${a.writer}`,
    );
    expect(stale).toEqual([]);
  });

  it('when dunning writes billing_records again → the check fails', () => {
    const broken = scan(copyOf(writes), 'payments-core/dunning', "UPDATE billing_records SET status = 'uncollectible'");
    expect(violations(broken)).toEqual(['billing_records: payments-core/billing, payments-core/dunning']);
  });

  it('when a set-based path posts journal lines with its own SQL or COPY → the check fails', () => {
    const broken = scan(
      copyOf(writes),
      'payments-core/reconciliation',
      'INSERT INTO journal_lines (entry_id) SELECT 1; COPY journal_entries (id, kind) FROM STDIN',
    );
    expect(violations(broken)).toEqual([
      'journal_entries: payments-core/ledger, payments-core/reconciliation',
      'journal_lines: payments-core/ledger, payments-core/reconciliation',
    ]);
  });
});
