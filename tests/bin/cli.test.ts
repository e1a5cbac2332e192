import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.js';
import { SCHEDULE_RULES } from '../../pipelines/schedule.js';
import { loadConfig } from '../../platform/config.js';
import { startKosh } from '../../serving/server.js';
import { SERVER_FILE } from '../../serving/server-file.js';
import { createTestDatabase, dropTestDatabase } from '../support/db.js';

describe('kosh CLI', () => {
  afterEach(() => vi.restoreAllMocks());

  it('when any command is asked for --help or -h → its usage, exit 0, and nothing runs (no data dir, no server)', async () => {
    const dir = path.join(tmpdir(), `kosh-help-${process.pid}`);
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((m: unknown) => out.push(String(m)));
    vi.spyOn(console, 'error').mockImplementation((m: unknown) => out.push(String(m)));
    const env = { KOSH_DATA_DIR: dir, LOG_LEVEL: 'silent' };
    for (const command of [
      'serve',
      'migrate',
      'seed',
      'keys',
      'jobs',
      'train',
      'models',
      'evaluate',
      'export',
      'ltv',
    ]) {
      for (const flag of ['--help', '-h']) {
        out.length = 0;
        expect(await main([command, flag], env), `${command} ${flag}`).toBe(0);
        expect(out.join('\n'), `${command} ${flag}`).toMatch(
          new RegExp(`usage: kosh ${command}[\\s\\S]*\\n  ${command}\\b`),
        );
      }
    }
    expect(await main(['train', 'fraud', '--help'], env)).toBe(0);
    expect(await main(['-h'], env)).toBe(0);
    out.length = 0;
    expect(await main(['--version'], env)).toBe(0);
    expect(out).toEqual([expect.stringMatching(/^kosh \d+\.\d+\.\d+$/)]);
    expect(await main(['keys', 'create', '--scope', 'admin'], env)).toBe(2);
    expect(out.at(-1)).toMatch(/^kosh keys: Unknown option '--scope'\n\nusage: kosh keys/);
    expect(existsSync(dir)).toBe(false);
  });

  it('when the configuration has several errors → serve exits 2 listing every one', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: unknown) => errors.push(String(m)));
    const code = await main(['serve'], { PORT: 'eighty', KOSH_GATEWAY: 'razorpay', KOSH_DEMO: 'perhaps' });
    expect(code).toBe(2);
    const text = errors.join('\n');
    for (const name of ['PORT', 'KOSH_DEMO', 'RAZORPAY_KEY_ID', 'RAZORPAY_KEY_SECRET', 'KOSH_RAZORPAY_WEBHOOK_SECRETS'])
      expect(text).toContain(name);
  });

  // The embedded default: each command starts the cluster under the data dir (initdb on the first) and stops it.
  it('when migrate, seed and keys create run on a fresh data dir → each does its job once', {
    timeout: 180_000,
  }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kosh-cli-'));
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((m: unknown) => out.push(String(m)));
    vi.spyOn(console, 'error').mockImplementation((m: unknown) => out.push(String(m)));
    try {
      const env = { KOSH_DATA_DIR: dir, LOG_LEVEL: 'silent' };
      expect(await main(['migrate'], env)).toBe(0);
      // A bad option: one line and the command's usage, exit 2, and the cluster it opened is closed again.
      out.length = 0;
      expect(await main(['seed', '--bogus'], env)).toBe(2);
      expect(out.join('\n')).toMatch(/^kosh seed: Unknown option '--bogus'\n\nusage: kosh seed/);
      expect(await main(['migrate'], env)).toBe(0);
      expect(out.join('\n')).toContain('no pending migrations');
      expect(await main(['seed', '--payments', '500', '--seed', '3'], env)).toBe(0);
      expect(out.join('\n')).toMatch(/seeded 500 payments/);
      expect(await main(['seed', '--payments', '500'], env)).toBe(1);
      expect(
        await main(['keys', 'create', '--scopes', 'payments:read,checkout:score', '--name', 'checkout'], env),
      ).toBe(0);
      expect(out.join('\n')).toMatch(/secret \(shown once\): kosh_/);
      expect(await main(['keys', 'create', '--scopes', 'everything'], env)).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('kosh jobs', () => {
  afterEach(() => vi.restoreAllMocks());

  const capture = () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((m: unknown) => out.push(String(m)));
    vi.spyOn(console, 'error').mockImplementation((m: unknown) => out.push(String(m)));
    return out;
  };

  it('when no server runs → list, run and runs open the database in this process', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kosh-jobs-'));
    const databaseUrl = await createTestDatabase();
    const out = capture();
    try {
      const env = {
        KOSH_DATA_DIR: dir,
        KOSH_DATABASE_URL: databaseUrl,
        LOG_LEVEL: 'silent',
        KOSH_SCHEDULE_WEBHOOK_RETRY: 'off',
      };
      expect(await main(['jobs', 'list'], env)).toBe(0);
      const list = out.join('\n');
      expect(list).toMatch(/webhook-retry\s+\* \* \* \* \*\s+off/);
      expect(list).toMatch(/purge-expired-keys\s+0 \* \* \* \*\s+yes/);
      expect(list).toContain('in this process');
      out.length = 0;
      expect(await main(['jobs', 'run', 'purge-expired-keys'], env)).toBe(0);
      expect(out.join('\n')).toMatch(/purge-expired-keys: succeeded in \d+ ms \(run jrun_\w+, in this process/);
      expect(out.join('\n')).toContain('idempotency_keys: 0');
      out.length = 0;
      expect(await main(['jobs', 'runs', 'purge-expired-keys'], env)).toBe(0);
      expect(out.join('\n')).toMatch(/jrun_\w+\s+manual\s+succeeded/);
      out.length = 0;
      expect(await main(['jobs', 'run', 'no-such-job'], env)).toBe(1);
      expect(out.join('\n')).toContain('No job named no-such-job');
      expect(await main(['jobs', 'run'], env)).toBe(1);
    } finally {
      await dropTestDatabase(databaseUrl);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when a schedule override is not a cron expression or names no job → exit 2 listing both', async () => {
    const out = capture();
    const code = await main(['jobs', 'list'], {
      KOSH_SCHEDULE_WEBHOOK_RETRY: 'every minute',
      KOSH_SCHEDULE_NOPE: 'off',
    });
    expect(code).toBe(2);
    expect(out.join('\n')).toContain('KOSH_SCHEDULE_WEBHOOK_RETRY');
    expect(out.join('\n')).toContain('KOSH_SCHEDULE_NOPE');
  });

  it('when kosh serve runs → the CLI goes through its API with the key from the 0600 server file, removed on close', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kosh-jobs-server-'));
    const databaseUrl = await createTestDatabase();
    const out = capture();
    const env = { KOSH_DATA_DIR: dir, KOSH_DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', PORT: '0' };
    const kosh = await startKosh(loadConfig(env, SCHEDULE_RULES));
    try {
      const file = path.join(dir, SERVER_FILE);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ url: kosh.url });
      // While a server runs, the CLI runs jobs through its API (its scheduler, its leases, its logs).
      expect(await main(['jobs', 'run', 'purge-expired-keys'], env)).toBe(0);
      expect(out.join('\n')).toContain(`via the server at ${kosh.url}`);
      out.length = 0;
      expect(await main(['jobs', 'list'], env)).toBe(0);
      expect(out.join('\n')).toMatch(/purge-expired-keys\s+0 \* \* \* \*\s+yes\s+no\s+succeeded/);
      out.length = 0;
      expect(await main(['jobs', 'runs', 'no-such-job'], env)).toBe(1);
      expect(out.join('\n')).toContain('No job named no-such-job');
      expect(
        await kosh.db.all('SELECT job, trigger, status FROM job_runs WHERE trigger = $t', { t: 'manual' }),
      ).toEqual([{ job: 'purge-expired-keys', trigger: 'manual', status: 'succeeded' }]);
    } finally {
      await kosh.close();
    }
    try {
      expect(existsSync(path.join(dir, SERVER_FILE))).toBe(false);
      out.length = 0;
      expect(await main(['jobs', 'runs', 'purge-expired-keys'], env)).toBe(0);
      expect(out.join('\n')).toMatch(/jrun_\w+\s+manual\s+succeeded/);
    } finally {
      await dropTestDatabase(databaseUrl);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
