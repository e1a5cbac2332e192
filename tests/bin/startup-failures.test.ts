import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.js';
import { openDb } from '../../platform/db.js';
import { freePort } from '../../platform/embedded-postgres.js';
import { createTestDatabase, dropTestDatabase } from '../support/db.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** A refused start is one line within a second or two; this only catches a hang (the /proc data dir hung forever). */
const DEADLINE_MS = 20_000;
/** Children at once: each is ~0.8 s of CPU, on a machine of two shared cores. */
const AT_ONCE = 3;

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  /** Modules of kosh's own (not node_modules) the process loaded, relative to the checkout. */
  readonly loaded: string[];
}

let running = 0;
const waiting: Array<() => void> = [];

/**
 * The real CLI in a child process, `node --import tsx bin/kosh.ts ARGS`, with only PATH and `env` set; records the
 * modules it loads (tests/support/record-loads.mjs). At most AT_ONCE run together.
 */
async function kosh(args: string[], env: Record<string, string>, dir: string): Promise<Outcome> {
  if (running >= AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  const loads = path.join(dir, `loads-${Math.random().toString(36).slice(2)}`);
  const started = Date.now();
  try {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', '--import', './tests/support/record-loads.mjs', 'bin/kosh.ts', ...args],
          {
            cwd: ROOT,
            timeout: DEADLINE_MS,
            env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'silent', KOSH_TEST_RECORD_LOADS: loads, ...env },
          },
          (err, stdout, stderr) => resolve({ code: err === null ? 0 : (err.code as number | null), stdout, stderr }),
        );
      },
    );
    const loaded = existsSync(loads)
      ? readFileSync(loads, 'utf8')
          .split('\n')
          .filter((url) => url.startsWith(`file://${ROOT}/`) && !url.includes('/node_modules/'))
          .map((url) => url.slice(`file://${ROOT}/`.length))
      : [];
    return { code, stdout, stderr, ms: Date.now() - started, loaded };
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Exit 2, exactly `line` on stderr, nothing on stdout, within the deadline, and none of the server's code loaded. */
function expectRefused(outcome: Outcome, line: string | RegExp): void {
  expect({ code: outcome.code, stdout: outcome.stdout }).toEqual({ code: 2, stdout: '' });
  expect(outcome.stderr.endsWith('\n')).toBe(true);
  const lines = outcome.stderr.slice(0, -1).split('\n');
  expect(lines).toHaveLength(1);
  if (typeof line === 'string') expect(lines[0]).toBe(line);
  else expect(lines[0]).toMatch(line);
  expect(outcome.ms).toBeLessThan(DEADLINE_MS);
  expect(outcome.loaded).toContain('bin/commands.ts'); // the record works
  expect(outcome.loaded.filter((file) => file.startsWith('serving/') || file.startsWith('models/'))).toEqual([]);
}

/** `main` in this process, for the commands other than serve: its exit code and what it printed on stderr. */
async function inProcess(args: string[], env: Record<string, string>): Promise<{ code: number; errors: string[] }> {
  const errors: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => {
    errors.push(parts.map(String).join(' '));
  });
  try {
    return { code: await main(args, { LOG_LEVEL: 'silent', ...env }), errors };
  } finally {
    spy.mockRestore();
  }
}

/**
 * `kosh serve` (and the commands that open the database) with a start-up problem: one clear line on stderr and exit 2,
 * checked before the server's code loads. Each case is the real CLI in a child process, a few at a time.
 */
describe.concurrent('start-up failures, each in a child process', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kosh-startup-'));
  const file = path.join(dir, 'a-file');
  writeFileSync(file, '');
  const dataDir = path.join(dir, 'data');
  let busy: Server | null = null;
  let port = 0;
  beforeAll(async () => {
    const server = createServer();
    busy = server;
    port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (busy === null ? resolve() : busy.close(() => resolve())));
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the port is taken by another process → "the port is in use", exit 2', async () => {
    const outcome = await kosh(['serve'], { KOSH_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(port) }, dir);
    expectRefused(outcome, `cannot listen on 127.0.0.1:${port} (HOST, PORT): the port is in use by another process`);
  });

  it('when HOST is an address this machine does not have → one line naming it, exit 2', async () => {
    const outcome = await kosh(['serve'], { KOSH_DATA_DIR: dataDir, HOST: '203.0.113.7', PORT: '8099' }, dir);
    expectRefused(outcome, 'cannot listen on 203.0.113.7:8099 (HOST, PORT): the address is not one of this machine’s');
  });

  it.each([
    ['/proc/kosh-data', 'a part of the path does not exist and cannot be created'],
    [`${file}/data`, 'a part of the path is a file, not a directory'],
  ])('when KOSH_DATA_DIR is %s → one line, exit 2, at once (it used to hang under /proc)', async (bad, why) => {
    const outcome = await kosh(['serve'], { KOSH_DATA_DIR: bad }, dir);
    expectRefused(outcome, `cannot use the data dir ${bad} (KOSH_DATA_DIR): ${why}`);
  });

  it('when the data dir is on a full or a read-only disk → one line saying which, exit 2 (a 1 MB tmpfs; skipped where the test may not mount one)', async (ctx) => {
    const mount = path.join(dir, 'full-disk');
    mkdirSync(mount);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount], { stdio: 'ignore' });
    } catch {
      ctx.skip('mounting a tmpfs needs root with CAP_SYS_ADMIN');
    }
    try {
      try {
        writeFileSync(path.join(mount, 'filler'), Buffer.alloc(2 * 1024 * 1024));
      } catch (err) {
        expect((err as { code?: string }).code).toBe('ENOSPC'); // full now
      }
      const full = path.join(mount, 'data');
      expectRefused(
        await kosh(['serve'], { KOSH_DATA_DIR: full }, dir),
        `cannot use the data dir ${full} (KOSH_DATA_DIR): the disk is full`,
      );
      // The same disk read-only: an unwritable data dir (root writes through file modes, not through this).
      execFileSync('mount', ['-o', 'remount,ro', mount]);
      const readOnly = path.join(mount, 'other');
      expectRefused(
        await kosh(['serve'], { KOSH_DATA_DIR: readOnly }, dir),
        `cannot use the data dir ${readOnly} (KOSH_DATA_DIR): the file system is read-only`,
      );
    } finally {
      execFileSync('umount', [mount]);
    }
  });

  it('when `kosh serve` starts against a database server that is not there → one line naming it (no password), exit 2', async () => {
    const down = await freePort();
    const url = `postgres://kosh:s3cret@127.0.0.1:${down}/kosh`;
    const outcome = await kosh(['serve'], { KOSH_DATABASE_URL: url, KOSH_DATA_DIR: dataDir, PORT: '0' }, dir);
    const line = `cannot reach the database at postgres://kosh:***@127.0.0.1:${down}/kosh: connect ECONNREFUSED 127.0.0.1:${down}`;
    expectRefused(outcome, line);
    // The other commands that open the database say the same (in this process: no server to keep out).
    for (const args of [['migrate'], ['keys', 'create', '--scopes', 'admin']]) {
      expect({ args, ...(await inProcess(args, { KOSH_DATABASE_URL: url, KOSH_DATA_DIR: dataDir })) }).toEqual({
        args,
        code: 2,
        errors: [line],
      });
    }
  });

  it('when the database records a migration this kosh does not have → "newer than this kosh", exit 2, before serving or any other command', async () => {
    const url = await createTestDatabase();
    try {
      const db = await openDb(url);
      await db.run("INSERT INTO schema_migrations VALUES (999, 'from_a_newer_kosh', now())");
      const keys = async () => (await db.one<{ n: number }>('SELECT count(*)::int AS n FROM api_keys'))?.n;
      const keysBefore = await keys();
      const env = { KOSH_DATABASE_URL: url, KOSH_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0' };
      const newer = /is newer than this kosh \(migration 999_from_a_newer_kosh unknown here\): run the kosh/;
      expectRefused(await kosh(['serve'], env, dir), newer);
      // The other commands that open the database refuse it too (in this process: no server to keep out).
      for (const args of [['keys', 'create', '--scopes', 'admin', '--name', 'x'], ['migrate']]) {
        const { code, errors } = await inProcess(args, env);
        expect({ args, code, errors: errors.length }).toEqual({ args, code: 2, errors: 1 });
        expect(errors[0]).toMatch(newer);
      }
      expect(await keys()).toBe(keysBefore); // the refused commands wrote nothing
      await db.close();
    } finally {
      await dropTestDatabase(url);
    }
  });

  it('when the embedded database files are damaged → one line saying so, exit 2', async () => {
    const damaged = path.join(dir, 'damaged');
    mkdirSync(path.join(damaged, 'postgres'), { recursive: true, mode: 0o700 });
    writeFileSync(path.join(damaged, 'postgres', 'PG_VERSION'), '99\n'); // not a cluster this PostgreSQL can open
    writeFileSync(path.join(damaged, 'postgres.json'), JSON.stringify({ password: 'x', initialised: true }));
    const outcome = await kosh(['serve'], { KOSH_DATA_DIR: damaged, HOST: '127.0.0.1', PORT: '0' }, dir);
    expectRefused(
      outcome,
      /^cannot start the embedded PostgreSQL under .*: the database files under .* are damaged or not this PostgreSQL's \(.+\): restore .* from a backup/,
    );
  });
});
