import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.js';
import { USAGE, usageOf } from '../../bin/usage.js';
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
      'gst',
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

describe('kosh gst rates', () => {
  afterEach(() => vi.restoreAllMocks());

  it('when rates are listed and added → the same table and rules as /v1/gst/rates; bad input gets one line naming the option', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kosh-gst-'));
    const databaseUrl = await createTestDatabase();
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((m: unknown) => out.push(String(m)));
    vi.spyOn(console, 'error').mockImplementation((m: unknown) => out.push(String(m)));
    const env = { KOSH_DATA_DIR: dir, KOSH_DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' };
    const run = async (...args: string[]) => {
      out.length = 0;
      return { code: await main(['gst', 'rates', ...args], env), text: out.join('\n') };
    };
    try {
      const listed = await run('list');
      expect(listed.code).toBe(0);
      expect(listed.text).toMatch(/^hsn_sac\s+rate\s+from\s+until\s+basis/);
      expect(listed.text).toMatch(/\nslab\s+18 %\s+2017-07-01/);

      const added = await run(
        'add',
        '--hsn-sac',
        '19059020',
        '--rate-bp',
        '500',
        '--effective-from',
        '2026-01-01',
        '--basis',
        'Notification 9/2025-Central Tax (Rate)',
      );
      expect(added).toEqual({
        code: 0,
        text: expect.stringMatching(/^added gstr_\w+: 19059020 at 5 % from 2026-01-01 \(Notification 9\/2025/),
      });
      const json = await run('list', '--json');
      expect(JSON.parse(json.text)).toContainEqual(
        expect.objectContaining({ hsn_sac: '19059020', rate_bp: 500, effective_from: '2026-01-01' }),
      );

      // Refused, one line each, naming the option; nothing added.
      const base = ['--effective-from', '2025-10-01', '--basis', 'Notification 1/2025'];
      expect(await run('add', '--rate-bp', '5x', ...base)).toEqual({
        code: 2,
        text: "kosh gst rates add: --rate-bp: basis points, a whole number from 0 to 10000 (500 = 5 %), not '5x'",
      });
      expect(await run('add', '--rate-bp', '500', '--effective-from', '2025-10-01')).toEqual({
        code: 2,
        text: 'kosh gst rates add: --basis is required',
      });
      expect(await run('add', '--hsn-sac', '19', '--rate-bp', '500', ...base)).toEqual({
        code: 2,
        text: 'kosh gst rates add: --hsn-sac: an HSN or SAC code of 4 to 8 digits',
      });
      expect((await run('add', '--hsn-sac', '19059020', '--rate-bp', '700', ...base)).text).toMatch(
        /^kosh gst rates add: --rate-bp: not a GST slab on 2025-10-01: one of /,
      );
      expect(await run('add', '--rate-bp', '500', '--effective-from', '2025-02-30', '--basis', 'x y z')).toEqual({
        code: 2,
        text: 'kosh gst rates add: --effective-from: a calendar day, YYYY-MM-DD (IST)',
      });
      const twice = await run(
        'add',
        '--hsn-sac',
        '19059020',
        '--rate-bp',
        '500',
        '--effective-from',
        '2026-01-01',
        '--basis',
        'again',
      );
      expect(twice).toEqual({ code: 1, text: 'kosh gst rates add: --effective-from: a row for this day exists' });
      expect((await run('add', '--rate', '500')).code).toBe(2);
      expect((await run('list', '--json')).text.match(/"hsn_sac": "19059020"/g)).toHaveLength(1);
    } finally {
      await dropTestDatabase(databaseUrl);
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

  it('when the usage is read → every command has an example under its --help, every example names a command, and the exit codes are listed', () => {
    const commands = [...USAGE.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1] as string);
    const examples = [...USAGE.matchAll(/^ {2}\$ (.*)$/gm)].map((m) => m[1] as string);
    for (const command of new Set(commands)) {
      expect(usageOf(command), command).toMatch(new RegExp(`^ {2}\\$ (\\S+=\\S+ )*kosh ${command}\\b`, 'm'));
      expect(usageOf(command), command).toContain('exit codes:');
    }
    for (const example of examples) {
      const words = example.split(' ');
      expect(commands, example).toContain(words[words.indexOf('kosh') + 1]);
    }
  });

  it('when a command is unknown or a value is bad → one line on stderr and exit 2', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: unknown) => errors.push(String(m)));
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await main(['nosuch'], { LOG_LEVEL: 'silent' })).toBe(2);
    expect(errors).toEqual(['kosh: unknown command nosuch (kosh --help lists the commands)']);
  });
});
