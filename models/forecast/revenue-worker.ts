// The worker-thread side of `openForecastThread` (forecast-thread.ts): fits revenue forecasts off the server's event
// loop, one request at a time, answering each by its id.
import { parentPort } from 'node:worker_threads';
import type { DailyRevenue } from './revenue-model.js';
import { forecastRevenueViews } from './revenue-model.js';

interface ForecastRequest {
  readonly id: number;
  readonly history: DailyRevenue[];
  readonly asOf?: string;
}

if (parentPort !== null) {
  const port = parentPort;
  port.on('message', (request: ForecastRequest) => {
    try {
      const views = forecastRevenueViews(request.history, request.asOf === undefined ? {} : { asOf: request.asOf });
      port.postMessage({ id: request.id, views });
    } catch (err) {
      port.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) });
    }
  });
}
