import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from './clock.js';
import type { Db } from './db.js';
import { StartupError } from './preflight.js';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const FILE = /^(\d{3,})_([a-z0-9_]+)\.sql$/;

const CREATE_SCHEMA_MIGRATIONS = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`;

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .flatMap((file) => {
      const m = FILE.exec(file);
      if (m === null) return [];
      return [{ version: Number(m[1]), name: m[2] ?? file, sql: readFileSync(path.join(dir, file), 'utf8') }];
    })
    .sort((a, b) => a.version - b.version);
}

/**
 * A database that records a migration this code does not have was upgraded by a newer kosh: refused (StartupError,
 * exit 2) before the server or a command runs on a schema it does not know (`openDatabase` calls it for every
 * command). Read-only: a database with no `schema_migrations` yet passes. (Not inside `migrate`: tests apply a subset
 * of the migrations to a fully migrated database on purpose.)
 */
export async function refuseNewerDatabase(db: Db, dir = MIGRATIONS_DIR): Promise<void> {
  const table = await db.one<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (table?.present !== true) return;
  const recorded = await db.all<{ version: number; name: string }>(
    'SELECT version, name FROM schema_migrations ORDER BY version',
  );
  const known = new Set(listMigrations(dir).map((m) => m.version));
  const unknown = recorded.filter((r) => !known.has(r.version));
  if (unknown.length === 0) return;
  const names = unknown.map((r) => `${String(r.version).padStart(3, '0')}_${r.name}`).join(', ');
  throw new StartupError(
    `the database at ${db.location} is newer than this kosh (migration ${names} unknown here): run the kosh that migrated it, or restore a backup from before`,
  );
}

/** Applies every numbered migration not yet recorded, each in its own transaction; returns those applied. */
export async function migrate(db: Db, clock: Clock, dir = MIGRATIONS_DIR): Promise<Migration[]> {
  await db.run(CREATE_SCHEMA_MIGRATIONS);
  const done = new Set(
    (await db.all<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version),
  );
  const applied: Migration[] = [];
  for (const m of listMigrations(dir)) {
    if (done.has(m.version)) continue;
    await db.transaction(async (tx) => {
      for (const statement of splitStatements(m.sql)) await tx.run(statement);
      await tx.run('INSERT INTO schema_migrations VALUES ($version, $name, $at)', {
        version: m.version,
        name: m.name,
        at: clock.now(),
      });
    });
    applied.push(m);
  }
  return applied;
}

/** Pending migrations, for /readyz. */
export async function pendingMigrations(db: Db, dir = MIGRATIONS_DIR): Promise<number> {
  const rows = await db
    .all<{ version: number }>('SELECT version FROM schema_migrations')
    .catch(() => [] as { version: number }[]);
  const done = new Set(rows.map((r) => r.version));
  return listMigrations(dir).filter((m) => !done.has(m.version)).length;
}

function splitStatements(sql: string): string[] {
  return sql
    .replace(/--[^\n]*/g, '')
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
