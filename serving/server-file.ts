import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `$KOSH_DATA_DIR/kosh-server.json` tells the CLI where the running server is and which admin key to use, for the
 * commands that act through the running server's API (bin/server-client.ts).
 * Mode 0600: it holds a secret. Written at start, removed at close.
 */
export const SERVER_FILE = 'kosh-server.json';

export interface ServerFile {
  readonly url: string;
  readonly pid: number;
  readonly admin_key: string;
  readonly started_at: string;
}

export function writeServerFile(dataDir: string, content: ServerFile): void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, SERVER_FILE);
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function readServerFile(dataDir: string): ServerFile | null {
  try {
    const parsed = JSON.parse(readFileSync(path.join(dataDir, SERVER_FILE), 'utf8')) as Partial<ServerFile>;
    if (typeof parsed.url !== 'string' || typeof parsed.admin_key !== 'string') return null;
    return {
      url: parsed.url,
      pid: Number(parsed.pid),
      admin_key: parsed.admin_key,
      started_at: String(parsed.started_at),
    };
  } catch {
    return null;
  }
}

/** Removes the file if it still describes this server (a later server may have replaced it). */
export function removeServerFile(dataDir: string, url: string): void {
  if (readServerFile(dataDir)?.url === url) rmSync(path.join(dataDir, SERVER_FILE), { force: true });
}
