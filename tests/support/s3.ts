import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUCKETS, type Bucket } from '../../platform/objects.js';
import type { S3ObjectStoreOptions } from '../../platform/s3-objects.js';

/** One request as the S3 server received it. */
export interface S3Request {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

export interface RunningS3 {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** The real bucket names, `<prefix>-<bucket>`. */
  readonly buckets: Readonly<Record<Bucket, string>>;
  /** What `s3ObjectStore` needs to talk to this server (credentials are s3rver's fixed S3RVER/S3RVER). */
  readonly options: S3ObjectStoreOptions;
  /** The env vars that select this server in `loadConfig`. */
  readonly env: Readonly<Record<string, string>>;
  /** Every request the server has received so far, in order, headers as sent on the wire. */
  requests(): Promise<S3Request[]>;
  close(): Promise<void>;
}

type ChildMessage = { ready?: number; request?: S3Request; pong?: number };

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 's3rver-child.mjs');

/**
 * A real S3-compatible server (s3rver, in a child process) on a random loopback port with a temp
 * directory, the four buckets created. Call `close()` in afterAll.
 */
export async function startS3(options: { prefix?: string; pageSize?: number } = {}): Promise<RunningS3> {
  const directory = mkdtempSync(path.join(tmpdir(), 'kosh-s3rver-'));
  const prefix = options.prefix ?? 'kosh-test';
  const buckets = Object.fromEntries(BUCKETS.map((b) => [b, `${prefix}-${b}`])) as Record<Bucket, string>;
  const child: ChildProcess = fork(CHILD, [directory, ...Object.values(buckets)], {
    execArgv: ['--openssl-legacy-provider'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const log: S3Request[] = [];
  const pongs = new Map<number, () => void>();
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
    child.on('message', (m: ChildMessage) => {
      if (m.ready !== undefined) resolve(m.ready);
      if (m.request !== undefined) log.push(m.request);
      if (m.pong !== undefined) pongs.get(m.pong)?.();
    });
  });
  child.removeAllListeners('exit');
  let pings = 0;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    buckets,
    options: {
      endpoint,
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
      buckets,
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    },
    env: {
      KOSH_OBJECT_STORE: 's3',
      KOSH_S3_ENDPOINT: endpoint,
      KOSH_S3_REGION: 'us-east-1',
      KOSH_S3_ACCESS_KEY_ID: 'S3RVER',
      KOSH_S3_SECRET_ACCESS_KEY: 'S3RVER',
      ...Object.fromEntries(BUCKETS.map((b) => [`KOSH_S3_BUCKET_${b.toUpperCase()}`, buckets[b]])),
    },
    // IPC keeps order: once the pong is back, every request line sent before it has arrived.
    requests: async () => {
      const id = ++pings;
      await new Promise<void>((resolve) => {
        pongs.set(id, resolve);
        child.send({ ping: id });
      });
      pongs.delete(id);
      return [...log];
    },
    close: async () => {
      if (child.connected) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.send({ stop: true });
          setTimeout(() => child.kill(), 5000).unref();
        });
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
