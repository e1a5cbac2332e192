import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.js';
import { openDb } from '../../platform/db.js';
import { createTestDatabase, dropTestDatabase } from '../support/db.js';

/** `kosh serve` with a start-up problem: one clear line on stderr and exit 2, before any database is started. */
describe('start-up failures', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kosh-startup-'));
  const file = path.join(dir, 'a-file');
  writeFileSync(file, '');
  let busy: Server | null = null;
  afterAll(async () => {
    await new Promise<void>((resolve) => (busy === null ? resolve() : busy.close(() => resolve())));
    rmSync(dir, { recursive: true, force: true });
  });

  async function serveWith(env: Record<string, string>, args = ['serve']): Promise<{ code: number; errors: string[] }> {
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      errors.push(args.map(String).join(' '));
    });
    try {
      const code = await main(args, { KOSH_DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent', ...env });
      return { code, errors };
    } finally {
      spy.mockRestore();
    }
  }

  it('when the port is taken by another process → "the port is in use", exit 2', async () => {
    const server = createServer();
    busy = server;
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
    expect(await serveWith({ HOST: '127.0.0.1', PORT: String(port) })).toEqual({
      code: 2,
      errors: [`cannot listen on 127.0.0.1:${port} (HOST, PORT): the port is in use by another process`],
    });
  });

  it('when HOST is an address this machine does not have → one line naming it, exit 2', async () => {
    expect(await serveWith({ HOST: '203.0.113.7', PORT: '8099' })).toEqual({
      code: 2,
      errors: ['cannot listen on 203.0.113.7:8099 (HOST, PORT): the address is not one of this machine’s'],
    });
  });

  it.each([
    ['/proc/kosh-data', 'a part of the path does not exist and cannot be created'],
    [`${file}/data`, 'a part of the path is a file, not a directory'],
  ])('when KOSH_DATA_DIR is %s → one line, exit 2, at once (it used to hang under /proc)', async (dataDir, why) => {
    const started = Date.now();
    expect(await serveWith({ KOSH_DATA_DIR: dataDir })).toEqual({
      code: 2,
      errors: [`cannot use the data dir ${dataDir} (KOSH_DATA_DIR): ${why}`],
    });
    expect(Date.now() - started).toBeLessThan(10_000);
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
      const dataDir = path.join(mount, 'data');
      expect(await serveWith({ KOSH_DATA_DIR: dataDir })).toEqual({
        code: 2,
        errors: [`cannot use the data dir ${dataDir} (KOSH_DATA_DIR): the disk is full`],
      });
      // The same disk read-only: an unwritable data dir (root writes through file modes, not through this).
      execFileSync('mount', ['-o', 'remount,ro', mount]);
      expect(await serveWith({ KOSH_DATA_DIR: path.join(mount, 'other') })).toEqual({
        code: 2,
        errors: [`cannot use the data dir ${path.join(mount, 'other')} (KOSH_DATA_DIR): the file system is read-only`],
      });
    } finally {
      execFileSync('umount', [mount]);
    }
  });

  it('when the database records a migration this kosh does not have → "newer than this kosh", exit 2, before serving or any other command', async () => {
    const url = await createTestDatabase();
    try {
      const db = await openDb(url);
      await db.run("INSERT INTO schema_migrations VALUES (999, 'from_a_newer_kosh', now())");
      const keys = async () => (await db.one<{ n: number }>('SELECT count(*)::int AS n FROM api_keys'))?.n;
      const keysBefore = await keys();
      for (const args of [['serve'], ['keys', 'create', '--scopes', 'admin', '--name', 'x'], ['migrate']]) {
        const { code, errors } = await serveWith({ KOSH_DATABASE_URL: url, HOST: '127.0.0.1', PORT: '0' }, args);
        expect({ args, code }).toEqual({ args, code: 2 });
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatch(
          /is newer than this kosh \(migration 999_from_a_newer_kosh unknown here\): run the kosh/,
        );
      }
      expect(await keys()).toBe(keysBefore); // the refused command wrote nothing
      await db.close();
    } finally {
      await dropTestDatabase(url);
    }
  });

  it('when the embedded database files are damaged → one line saying so, exit 2', async () => {
    const dataDir = path.join(dir, 'damaged');
    mkdirSync(path.join(dataDir, 'postgres'), { recursive: true, mode: 0o700 });
    writeFileSync(path.join(dataDir, 'postgres', 'PG_VERSION'), '99\n'); // not a cluster this PostgreSQL can open
    writeFileSync(path.join(dataDir, 'postgres.json'), JSON.stringify({ password: 'x', initialised: true }));
    const { code, errors } = await serveWith({ KOSH_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0' });
    expect(code).toBe(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^cannot start the embedded PostgreSQL under .*: the database files under .* are damaged or not this PostgreSQL's \(.+\): restore .* from a backup/,
    );
  });
});
