import type { Worker } from 'node:worker_threads';
import { siblingModule, startModuleWorker } from '../../platform/module-worker.js';
import type { DailyRevenue, Granularity, RevenueForecast } from './revenue-model.js';

export type RevenueViews = Record<Granularity, RevenueForecast>;

/** Revenue forecasts fitted in a worker thread; `close` ends the thread. */
export interface ForecastThread {
  views(history: readonly DailyRevenue[], options: { readonly asOf?: string }): Promise<RevenueViews>;
  close(): Promise<void>;
}

/**
 * A worker thread that fits revenue forecasts (each segment's backtest is one to three seconds of CPU), so a server
 * keeps answering while one is computed: on demand for an uncached segment, or every segment in the nightly refresh,
 * which reuses one thread. The thread starts with the first request and holds the process open only while a request
 * is in flight.
 */
export function openForecastThread(): ForecastThread {
  let worker: Worker | null = null;
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: RevenueViews) => void; reject: (e: Error) => void }>();
  const failAll = (from: Worker, err: Error) => {
    for (const entry of waiting.values()) entry.reject(err);
    waiting.clear();
    if (worker === from) worker = null;
  };
  const start = (): Worker => {
    const w = startModuleWorker(siblingModule(import.meta.url, 'revenue-worker'), {});
    w.on('message', (m: { id: number; views?: RevenueViews; error?: string }) => {
      const entry = waiting.get(m.id);
      if (entry === undefined) return;
      waiting.delete(m.id);
      if (waiting.size === 0) w.unref();
      if (m.views !== undefined) entry.resolve(m.views);
      else entry.reject(new Error(`revenue forecast failed: ${m.error ?? 'unknown'}`));
    });
    w.on('error', (err) => failAll(w, err));
    w.on('exit', (code) => failAll(w, new Error(`revenue forecast thread exited with code ${code}`)));
    return w;
  };
  return {
    views(history, options) {
      worker ??= start();
      const w = worker;
      w.ref();
      const id = nextId++;
      return new Promise<RevenueViews>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        w.postMessage({ id, history, ...(options.asOf === undefined ? {} : { asOf: options.asOf }) });
      });
    },
    async close() {
      const w = worker;
      worker = null;
      if (w !== null) await w.terminate();
    },
  };
}
