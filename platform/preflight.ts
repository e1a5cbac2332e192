import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/** A start-up check failed: the CLI prints the one line and exits 2, before anything was started. */
export class StartupError extends Error {}

/** The database cannot be reached at start: the CLI prints the one line and exits 2. */
export class DatabaseUnreachable extends Error {}

const REASONS: Record<string, string> = {
  EADDRINUSE: 'the port is in use by another process',
  EADDRNOTAVAIL: 'the address is not one of this machine’s',
  ENOTFOUND: 'the host name does not resolve',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file, not a directory',
  ENOENT: 'a part of the path does not exist and cannot be created',
  ENOSPC: 'the disk is full',
};

function reason(err: unknown): string {
  const code = (err as { code?: string }).code ?? '';
  return REASONS[code] ?? (err instanceof Error ? err.message : String(err));
}

/**
 * `mkdir -p` one level at a time: Node's recursive mkdir never returns on some paths (under /proc it loops on
 * ENOENT), where a plain mkdir fails at once.
 */
function makeDirs(dir: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error(`${dir} is a file`), { code: 'ENOTDIR' });
    return;
  }
  const parent = path.dirname(dir);
  if (parent !== dir) makeDirs(parent);
  mkdirSync(dir);
}

/** What the data dir's write check writes: an empty file still fits on a full disk (it takes no block). */
const PROBE_BYTES = 1024 * 1024;

/** The data dir exists (or can be made) and takes a file of a megabyte: checked before the database starts under it. */
export function checkDataDir(dataDir: string): void {
  const probe = path.join(dataDir, `.kosh-write-check-${process.pid}`);
  try {
    makeDirs(path.resolve(dataDir));
    writeFileSync(probe, Buffer.alloc(PROBE_BYTES));
  } catch (err) {
    throw new StartupError(`cannot use the data dir ${dataDir} (KOSH_DATA_DIR): ${reason(err)}`);
  } finally {
    try {
      rmSync(probe, { force: true });
    } catch {
      // Nothing was written where the path cannot be (a file in the way, /proc): the error above says why.
    }
  }
}

/** A start error that says the disk is full (ENOSPC from Node, or initdb's or PostgreSQL's own words for it). */
export function isDiskFull(err: unknown): boolean {
  return (
    (err as { code?: string }).code === 'ENOSPC' ||
    /\bENOSPC\b|no space left on device/i.test(err instanceof Error ? err.message : String(err))
  );
}

/** The address can be listened on, checked before anything starts (port 0 always can). */
export async function checkListen(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (err) =>
      reject(new StartupError(`cannot listen on ${host}:${port} (HOST, PORT): ${reason(err)}`)),
    );
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}
