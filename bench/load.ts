import { Worker } from 'node:worker_threads';

/**
 * A small HTTP/1.1 keep-alive load generator (bench/load-worker.mjs) that runs in a worker thread, so the server under test keeps
 * the main thread (and its own core) to itself. Two modes with the same client settings for every target:
 * `max` (C connections back to back for D seconds: throughput) and `rate` (an open-loop schedule of R requests
 * per second: latency measured from each request's scheduled start, so a stall is not hidden by waiting).
 */
export interface LoadSpec {
  readonly url: string;
  readonly method: 'POST';
  readonly headers: Record<string, string>;
  /** Bodies used round robin. */
  readonly bodies: readonly string[];
  readonly mode: 'max' | 'rate';
  readonly seconds: number;
  readonly connections: number;
  /** Requests per second in `rate` mode. */
  readonly rate?: number;
  readonly warmupSeconds?: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Runs one load phase in a fresh worker thread. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./load-worker.mjs', import.meta.url), { workerData: spec });
    worker.once('message', (m: LoadResult) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load worker exited ${code}`));
    });
  });
}
