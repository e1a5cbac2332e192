// The worker-thread side of `evaluateForecasts` (models/forecast/evaluate.ts): forecasts its share of the
// series and posts each result as it is done, so the parent can draw progress.
import { parentPort, workerData } from 'node:worker_threads';
import type { SeriesValues } from './datasets.js';
import { forecastBatch } from './evaluate.js';
import type { MethodName } from './methods.js';

interface EvaluateWorkerInput {
  readonly series: SeriesValues[];
  readonly season: number;
  readonly horizon: number;
  readonly methods: MethodName[];
}

if (parentPort !== null) {
  const port = parentPort;
  const input = workerData as EvaluateWorkerInput;
  for (const s of input.series) {
    const [result] = forecastBatch([s], input.season, input.horizon, input.methods);
    port.postMessage({ type: 'result', result });
  }
  port.postMessage({ type: 'done' });
}
