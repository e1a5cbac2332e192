import { execFile } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestDatabase, testServerUrl } from '../support/db.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
// Inside the checkout, so the compiled modules find node_modules and package.json's "type": "module" as dist/ does.
const OUT = path.join(ROOT, 'test-artifacts', `dist-${process.pid}`);

/** Runs a module written into OUT (a file, not `-e`: worker threads inherit `--input-type`, which they refuse). */
async function runModule(name: string, source: string, args: string[] = [], env: Record<string, string> = {}) {
  const file = path.join(OUT, name);
  writeFileSync(file, source);
  return run(process.execPath, [file, ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'silent', ...env },
  });
}

/** Runs `kosh ARGS` from the compiled build, as bin/kosh.js does once dist/ is current. */
function compiledKosh(args: string[], env: Record<string, string> = {}) {
  const source = `import { main } from './bin/cli.js';\nprocess.exitCode = await main(process.argv.slice(2), process.env);\n`;
  return runModule('kosh.mjs', source, args, env);
}

describe('npm run build: kosh compiled to JavaScript', () => {
  beforeAll(async () => {
    const { stdout } = await run(process.execPath, ['scripts/build.mjs', '--out', path.relative(ROOT, OUT)], {
      cwd: ROOT,
    });
    expect(stdout).toMatch(/^built \d+ modules and copied \d+ files/);
  }, 120_000);
  afterAll(() => rmSync(OUT, { recursive: true, force: true }));

  it('when the compiled CLI is asked its version and help → it answers without TypeScript', async () => {
    const version = await compiledKosh(['--version']);
    expect(version.stdout.trim()).toMatch(/^kosh \d+\.\d+\.\d+$/);
    const help = await compiledKosh(['migrate', '--help']);
    expect(help.stdout).toMatch(/kosh migrate/);
  });

  it('when the compiled CLI serves on a port in use → one line and exit 2 (each command loads its code when it runs)', async () => {
    const busy = createServer();
    const port = await new Promise<number>((resolve) =>
      busy.listen(0, '127.0.0.1', () => resolve((busy.address() as { port: number }).port)),
    );
    try {
      const refused = await compiledKosh(['serve'], { KOSH_DATA_DIR: OUT, HOST: '127.0.0.1', PORT: String(port) }).then(
        () => null,
        (err: { code: number; stdout: string; stderr: string }) => err,
      );
      expect(refused && { code: refused.code, stdout: refused.stdout, stderr: refused.stderr }).toEqual({
        code: 2,
        stdout: '',
        stderr: `cannot listen on 127.0.0.1:${port} (HOST, PORT): the port is in use by another process\n`,
      });
    } finally {
      busy.close();
    }
  });

  it('when the compiled CLI migrates an empty database → every migration file was copied and applied', async () => {
    const name = `kosh_build_${process.pid}`;
    const admin = new pg.Client({ connectionString: testServerUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(testServerUrl());
    url.pathname = `/${name}`;
    try {
      await compiledKosh(['migrate'], { KOSH_DATABASE_URL: url.toString(), KOSH_DATA_DIR: OUT });
      const db = new pg.Client({ connectionString: url.toString() });
      await db.connect();
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::INTEGER AS n FROM schema_migrations');
      await db.end();
      const files = readdirSync(path.join(ROOT, 'platform', 'migrations')).filter((f) => f.endsWith('.sql'));
      expect(rows[0]?.n).toBe(files.length);
    } finally {
      await dropTestDatabase(url.toString());
    }
  }, 60_000);

  it('when compiled code starts a worker thread → the compiled worker module runs (no tsx)', async () => {
    const source = `
      import { evaluateForecasts } from './models/forecast/evaluate.js';
      const series = [1, 2].map((k) => ({ id: 's' + k, values: Array.from({ length: 36 }, (_, i) => 100 * k + i + (i % 12)) }));
      const train = series.map((s) => ({ id: s.id, values: s.values.slice(0, 30) }));
      const test = series.map((s) => ({ id: s.id, values: s.values.slice(30) }));
      const r = await evaluateForecasts(train, test, { horizon: 6, season: 12, methods: ['snaive'], workers: 2 });
      console.log(JSON.stringify({ workers: r.workers, series: r.series }));`;
    const { stdout } = await runModule('worker.mjs', source);
    expect(JSON.parse(stdout)).toEqual({ workers: 2, series: 2 });
  }, 60_000);
});
