import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { SCHEDULE_RULES } from '../pipelines/schedule.js';
import { type Config, ConfigError, loadConfig } from '../platform/config.js';
import { createLog } from '../platform/log.js';
import { listMigrations } from '../platform/migrate.js';
import { BUCKETS } from '../platform/objects.js';
import { openDatabase } from '../platform/open-database.js';
import { openObjectStore } from '../platform/open-object-store.js';
import { openGateway } from '../serving/server.js';
import { table } from './text-table.js';

export type CheckStatus = 'ok' | 'fail' | 'skip';

export interface DoctorCheck {
  /** `config`, `database`, `migrations`, `objects:<bucket>`, `gateway`, `smtp`. */
  readonly check: string;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly ms: number;
}

export interface DoctorReport {
  readonly ok: boolean;
  readonly checks: readonly DoctorCheck[];
}

const TIMEOUT_MS = 10_000;

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';

async function timed(check: string, work: () => Promise<string>): Promise<DoctorCheck> {
  const started = performance.now();
  try {
    const detail = await work();
    return { check, status: 'ok', detail, ms: Math.round(performance.now() - started) };
  } catch (err) {
    return { check, status: 'fail', detail: message(err), ms: Math.round(performance.now() - started) };
  }
}

/**
 * Checks what kosh needs to run with this environment: the configuration, the database and its migrations,
 * every object-store bucket (put, get, delete a probe), the payment gateway with the configured keys, and SMTP
 * when configured. Read-only apart from the probe objects; never applies migrations.
 */
export async function runDoctor(env: Readonly<Record<string, string | undefined>>): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  let config: Config;
  try {
    config = loadConfig(env, SCHEDULE_RULES);
    checks.push({ check: 'config', status: 'ok', detail: 'environment valid', ms: 0 });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    checks.push({ check: 'config', status: 'fail', detail: err.problems.join('; '), ms: 0 });
    for (const check of ['database', 'migrations', 'objects', 'gateway', 'smtp']) {
      checks.push({ check, status: 'skip', detail: 'configuration invalid', ms: 0 });
    }
    return { ok: false, checks };
  }

  checks.push(...(await checkDatabase(config)));
  checks.push(...(await checkObjects(config)));
  checks.push(await checkGateway(config));
  checks.push(await checkSmtp(config));
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

async function checkDatabase(config: Config): Promise<DoctorCheck[]> {
  const expected = listMigrations().map((m) => m.version);
  const clusterDir = path.join(config.dataDir, 'postgres');
  if (config.databaseUrl === null && !existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    return [
      { check: 'database', status: 'fail', detail: `no embedded database at ${clusterDir} (run kosh migrate)`, ms: 0 },
      { check: 'migrations', status: 'skip', detail: 'no database', ms: 0 },
    ];
  }
  let applied: number[] | null = null;
  const database = await timed('database', async () => {
    // PostgreSQL admits every kosh process at once: the running server does not stand in the way.
    // allowNewer: a database newer than this kosh is reported below (migrations), not refused.
    const opened = await openDatabase(config, { max: 1, connectionTimeoutMs: 5_000, allowNewer: true });
    const db = opened.db;
    try {
      const has = await db.one<{ n: number }>(
        `SELECT count(*) AS n FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_name = 'schema_migrations'`,
      );
      applied =
        (has?.n ?? 0) === 0
          ? []
          : (await db.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map(
              (r) => r.version,
            );
      await db.one('SELECT 1');
    } finally {
      await opened.close();
    }
    return `${opened.embedded === null ? 'server' : 'embedded PostgreSQL'} at ${db.location}`;
  });
  const found = applied as number[] | null;
  if (database.status === 'fail' || found === null) {
    return [
      database,
      {
        check: 'migrations',
        status: 'skip',
        detail: 'no database',
        ms: 0,
      },
    ];
  }
  const pending = expected.filter((v) => !found.includes(v));
  const unknown = found.filter((v) => !expected.includes(v));
  const migrations: DoctorCheck =
    pending.length > 0
      ? { check: 'migrations', status: 'fail', detail: `pending: ${pending.join(', ')} (run kosh migrate)`, ms: 0 }
      : unknown.length > 0
        ? {
            check: 'migrations',
            status: 'fail',
            detail: `database is newer than this kosh: ${unknown.join(', ')}`,
            ms: 0,
          }
        : { check: 'migrations', status: 'ok', detail: `current (${expected.length} applied)`, ms: 0 };
  return [database, migrations];
}

async function checkObjects(config: Config): Promise<DoctorCheck[]> {
  const store = openObjectStore(config);
  try {
    const checks: DoctorCheck[] = [];
    for (const bucket of BUCKETS) {
      checks.push(
        await timed(`objects:${bucket}`, async () => {
          const key = `_kosh-doctor/probe-${randomBytes(6).toString('hex')}.txt`;
          const body = `kosh doctor ${new Date().toISOString()}`;
          await withTimeout(store.put(bucket, key, body, 'text/plain'), 'put');
          const got = await withTimeout(store.get(bucket, key), 'get');
          if (got === null || Buffer.from(got).toString('utf8') !== body)
            throw new Error('probe read back differently');
          await withTimeout(store.delete(bucket, key), 'delete');
          if ((await withTimeout(store.get(bucket, key), 'get')) !== null)
            throw new Error('probe still there after delete');
          return `put/get/delete ok on ${store.where} bucket ${store.names[bucket]}`;
        }),
      );
    }
    return checks;
  } finally {
    store.close();
  }
}

async function checkGateway(config: Config): Promise<DoctorCheck> {
  return timed('gateway', async () => {
    const { gateway, simulator } = await openGateway(config, createLog({ level: 'silent' }));
    try {
      // An authenticated read that changes nothing: wrong keys answer 401, an unreachable host times out.
      await withTimeout(gateway.findOrderByReceipt(`kosh-doctor-${randomBytes(4).toString('hex')}`), 'gateway');
      return simulator === null
        ? `Razorpay at ${config.razorpayApiUrl} accepted key ${config.razorpayKeyId ?? ''}`
        : `built-in simulator on loopback (${simulator.url}); set KOSH_GATEWAY=razorpay for production`;
    } finally {
      await simulator?.close();
    }
  });
}

async function checkSmtp(config: Config): Promise<DoctorCheck> {
  if (config.smtpUrl === null) {
    return { check: 'smtp', status: 'skip', detail: 'KOSH_SMTP_URL not set: emails go to .eml files', ms: 0 };
  }
  const url = config.smtpUrl;
  return timed('smtp', async () => {
    const transport = nodemailer.createTransport(url);
    try {
      // Connects, EHLO, STARTTLS when offered, AUTH when credentials are in the URL; sends nothing.
      await withTimeout(transport.verify(), 'smtp');
      const u = new URL(url);
      return `EHLO ok at ${u.hostname}:${u.port || (u.protocol === 'smtps:' ? '465' : '587')}`;
    } finally {
      transport.close();
    }
  });
}

/** `kosh doctor [--json]`: a table of checks (or JSON); exit code 0 when none failed, 1 otherwise. */
export async function runDoctorCli(argv: string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } } });
  const report = await runDoctor(env);
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(
      table(
        ['CHECK', 'STATUS', 'MS', 'DETAIL'],
        report.checks.map((c) => [c.check, c.status.toUpperCase(), String(c.ms), c.detail]),
      ),
    );
    const failed = report.checks.filter((c) => c.status === 'fail').length;
    console.log(failed === 0 ? '\nall checks passed' : `\n${failed} check(s) failed`);
  }
  return report.ok ? 0 : 1;
}
