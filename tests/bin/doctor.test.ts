import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DoctorReport, runDoctor, runDoctorCli } from '../../bin/doctor.js';
import { type RazorpaySimulator, startRazorpaySimulator } from '../../payments-core/gateway/simulator/server.js';
import { createTestDatabase, dropTestDatabase, testServerUrl } from '../support/db.js';
import { type RunningS3, startS3 } from '../support/s3.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kosh-doctor-'));
let s3: RunningS3;
let simulator: RazorpaySimulator;
let smtp: SMTPServer;
let smtpPort: number;
let smtpSessions = 0;
let env: Record<string, string>;
/** A migrated test database, and one created empty (no migrations applied). */
let migratedUrl: string;
let emptyUrl: string;

/** A new database on the test server straight from template0: no kosh table in it. */
async function createEmptyDatabase(): Promise<string> {
  const url = new URL(testServerUrl());
  url.pathname = `/kosh_t_empty_${process.pid}`;
  const admin = new pg.Client({ connectionString: testServerUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${url.pathname.slice(1)} TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  return url.toString();
}

beforeAll(async () => {
  migratedUrl = await createTestDatabase();
  emptyUrl = await createEmptyDatabase();
  s3 = await startS3({ prefix: 'doctor' });
  simulator = await startRazorpaySimulator({ keyId: 'rzp_test_doctor', keySecret: 'doctor-secret' });
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onConnect: (_session, cb) => {
      smtpSessions++;
      cb();
    },
    onAuth: (auth, _session, cb) =>
      auth.username === 'mailer' && auth.password === 'pw' ? cb(null, { user: 'mailer' }) : cb(new Error('bad auth')),
    logger: false,
  });
  smtp.on('error', () => undefined);
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  env = {
    KOSH_DATA_DIR: path.join(dir, 'ok'),
    KOSH_DATABASE_URL: migratedUrl,
    KOSH_GATEWAY: 'razorpay',
    RAZORPAY_KEY_ID: 'rzp_test_doctor',
    RAZORPAY_KEY_SECRET: 'doctor-secret',
    RAZORPAY_API_URL: simulator.url,
    KOSH_RAZORPAY_WEBHOOK_SECRETS: 'whsec-doctor',
    KOSH_SMTP_URL: `smtp://mailer:pw@127.0.0.1:${smtpPort}`,
    ...s3.env,
  };
}, 60_000);

afterAll(async () => {
  await simulator?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  await s3?.close();
  for (const url of [migratedUrl, emptyUrl]) if (url !== undefined) await dropTestDatabase(url);
  rmSync(dir, { recursive: true, force: true });
});

const byCheck = (report: DoctorReport) => Object.fromEntries(report.checks.map((c) => [c.check, c]));

describe('kosh doctor', () => {
  it('when everything is reachable → every check passes: config, database, migrations, four buckets, gateway, SMTP', async () => {
    const before = (await s3.requests()).length;
    const sessions = smtpSessions;
    const report = await runDoctor(env);
    expect(report.checks.map((c) => [c.check, c.status])).toEqual([
      ['config', 'ok'],
      ['database', 'ok'],
      ['migrations', 'ok'],
      ['objects:uploads', 'ok'],
      ['objects:models', 'ok'],
      ['objects:invoices', 'ok'],
      ['objects:analytics', 'ok'],
      ['gateway', 'ok'],
      ['smtp', 'ok'],
    ]);
    expect(report.ok).toBe(true);
    expect(byCheck(report)['objects:analytics']?.detail).toContain('doctor-analytics');
    expect(byCheck(report).gateway?.detail).toContain('rzp_test_doctor');
    expect(byCheck(report).smtp?.detail).toBe(`EHLO ok at 127.0.0.1:${smtpPort}`);
    expect(smtpSessions).toBe(sessions + 1);
    // The probes really went to S3 (with SSE) and were deleted again.
    const puts = (await s3.requests()).slice(before).filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(4);
    expect(puts.every((r) => r.headers['x-amz-server-side-encryption'] === 'AES256')).toBe(true);
    expect((await s3.requests()).slice(before).filter((r) => r.method === 'DELETE')).toHaveLength(4);
  });

  it('when run as a command with --json → JSON on stdout and exit code 0', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => out.push(line));
    try {
      expect(await runDoctorCli(['--json'], env)).toBe(0);
      expect(await runDoctorCli([], env)).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const json = JSON.parse(out[0] ?? '') as DoctorReport;
    expect(json.ok).toBe(true);
    expect(out[1]).toMatch(/^CHECK\s+STATUS\s+MS\s+DETAIL\n/);
    expect(out[1]).toContain('objects:invoices');
    expect(out[2]).toContain('all checks passed');
  });

  it('when the gateway key is wrong, a bucket is missing and SMTP refuses the login → those checks fail, exit code 1', async () => {
    const bad = {
      ...env,
      RAZORPAY_KEY_SECRET: 'wrong-secret',
      KOSH_S3_BUCKET_MODELS: 'no-such-bucket',
      KOSH_SMTP_URL: `smtp://mailer:wrong@127.0.0.1:${smtpPort}`,
    };
    const report = await runDoctor(bad);
    const checks = byCheck(report);
    expect(report.ok).toBe(false);
    expect(checks.gateway?.status).toBe('fail');
    expect(checks.gateway?.detail).toBe('Authentication failed');
    expect(checks['objects:models']?.detail).toContain('bucket does not exist');
    expect(checks.smtp?.detail).toContain('535');
    expect(checks['objects:models']?.status).toBe('fail');
    expect(checks['objects:uploads']?.status).toBe('ok');
    expect(checks.smtp?.status).toBe('fail');
    expect(checks.database?.status).toBe('ok');
    const spy = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await runDoctorCli([], bad)).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('when the database lacks migrations → migrations fail naming the pending versions', async () => {
    const report = await runDoctor({ ...env, KOSH_DATABASE_URL: emptyUrl });
    expect(byCheck(report).database?.status).toBe('ok');
    expect(byCheck(report).migrations).toMatchObject({ status: 'fail' });
    expect(byCheck(report).migrations?.detail).toMatch(/^pending: 1, 2, 3/);
  });

  it('when there is no embedded database under the data dir → database fails and says to migrate', async () => {
    const { KOSH_DATABASE_URL: _, ...embedded } = env;
    const report = await runDoctor({ ...embedded, KOSH_DATA_DIR: path.join(dir, 'none') });
    expect(byCheck(report).database).toMatchObject({ status: 'fail' });
    expect(byCheck(report).database?.detail).toContain('kosh migrate');
    expect(byCheck(report).migrations?.status).toBe('skip');
  });

  it('when the database server does not answer → database fails, migrations are skipped', async () => {
    const report = await runDoctor({ ...env, KOSH_DATABASE_URL: 'postgres://kosh@127.0.0.1:9/kosh' });
    expect(byCheck(report).database).toMatchObject({ status: 'fail' });
    expect(byCheck(report).migrations).toMatchObject({ status: 'skip', detail: 'no database' });
  });

  it('when the configuration is invalid → config fails with every problem, the rest is skipped', async () => {
    const report = await runDoctor({ ...env, KOSH_OBJECT_STORE: 'ftp', KOSH_S3_BUCKET_UPLOADS: 'Bad_Bucket' });
    expect(report.ok).toBe(false);
    expect(report.checks[0]).toMatchObject({ check: 'config', status: 'fail' });
    expect(report.checks[0]?.detail).toContain('KOSH_OBJECT_STORE');
    expect(report.checks[0]?.detail).toContain('KOSH_S3_BUCKET_UPLOADS');
    expect(report.checks.slice(1).every((c) => c.status === 'skip')).toBe(true);
  });

  it('when SMTP is not configured and the gateway is the simulator → smtp skipped, gateway ok, local store ok', async () => {
    const report = await runDoctor({ KOSH_DATA_DIR: path.join(dir, 'ok'), KOSH_DATABASE_URL: migratedUrl });
    const checks = byCheck(report);
    expect(report.ok).toBe(true);
    expect(checks.smtp?.status).toBe('skip');
    expect(checks.gateway?.detail).toContain('simulator');
    expect(checks['objects:uploads']?.detail).toContain('local:');
  });
});
