import type { Config } from '../platform/config.js';
import { readServerFile } from '../serving/server-file.js';

/** The running `kosh serve` on this data dir, spoken to with the admin key it left for the CLI. */
export interface ServerClient {
  readonly url: string;
  /** `/v1<path>`; a status other than `expect` throws `fail(detail)`. A POST without a body sends `{}`. */
  call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, expect: number, body?: unknown): Promise<T>;
  /** GET `/v1<path>` as bytes with the response headers; a status other than 200 throws `fail(detail)`. */
  download(path: string): Promise<{ bytes: Uint8Array; headers: Headers }>;
}

/**
 * Commands whose effect the running server holds in memory (the job runtime, the served models) go through it
 * when one runs, so it acts on them at once: the server file names it and its /healthz must answer. Otherwise
 * null, and the command runs in its own process: PostgreSQL admits every kosh process at once.
 */
export async function connectToServer(
  config: Config,
  options: { fail: (message: string) => Error; timeoutMs?: number },
): Promise<ServerClient | null> {
  const file = readServerFile(config.dataDir);
  if (file === null) return null;
  const alive = await fetch(`${file.url}/healthz`, { signal: AbortSignal.timeout(2000) })
    .then((r) => r.ok)
    .catch(() => false);
  if (!alive) return null;
  const authorization = `Bearer ${file.admin_key}`;
  return {
    url: file.url,
    download: async (path) => {
      const res = await fetch(`${file.url}/v1${path}`, {
        headers: { authorization },
        ...(options.timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(options.timeoutMs) }),
      });
      if (res.status !== 200) {
        const json = (await res.json().catch(() => ({}))) as { detail?: string; title?: string };
        throw options.fail(json.detail ?? json.title ?? `HTTP ${res.status}`);
      }
      return { bytes: new Uint8Array(await res.arrayBuffer()), headers: res.headers };
    },
    call: async <T>(method: 'GET' | 'POST' | 'DELETE', path: string, expect: number, body?: unknown) => {
      const res = await fetch(`${file.url}/v1${path}`, {
        method,
        headers: {
          authorization,
          ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
        ...(options.timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(options.timeoutMs) }),
      });
      const json = (await res.json()) as T & { detail?: string; title?: string };
      if (res.status !== expect) throw options.fail(json.detail ?? json.title ?? `HTTP ${res.status}`);
      return json;
    },
  };
}
