import { type ForecastThread, openForecastThread } from '../models/forecast/forecast-thread.js';
import { UPSERT_REVENUE_FORECAST } from '../models/forecast/repository.js';
import { GRANULARITIES, type Granularity, type RevenueForecast } from '../models/forecast/revenue-model.js';
import {
  getRevenueSeries,
  listRevenueSegments,
  type RevenueSegment,
  segmentKey,
} from '../payments-core/analytics/get-revenue-series.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { istDate } from '../platform/ist.js';
import type { JobContext, JobSummary } from '../platform/job.js';
import type { JobDeps } from './types.js';

export interface ForecastDeps {
  readonly db: Db;
  readonly clock: Clock;
}

/** The last complete IST day before `now`: forecasts use whole days of ledger data only. */
export const forecastAsOf = (now: Date): string => istDate(now, 1);

/**
 * Forecasts one segment from the ledger (through the IST day before `now`): one fit and one backtest, whose day,
 * week and month views (each at the longest horizon served) are stored in the cache. Returns the views. The fit runs
 * in a worker thread (`thread`, or one opened for this call), never on the caller's event loop.
 */
export async function computeRevenueForecasts(
  deps: ForecastDeps,
  segment: RevenueSegment,
  now: Date,
  thread?: ForecastThread,
): Promise<Record<Granularity, RevenueForecast>> {
  const asOf = forecastAsOf(now);
  const days = await getRevenueSeries(deps.db, segment, asOf);
  const fitter = thread ?? openForecastThread();
  let views: Record<Granularity, RevenueForecast>;
  try {
    views = await fitter.views(days, { asOf });
  } finally {
    if (thread === undefined) await fitter.close();
  }
  for (const granularity of GRANULARITIES) {
    const forecast = views[granularity];
    await deps.db.run(UPSERT_REVENUE_FORECAST, {
      segment: segmentKey(segment),
      granularity,
      as_of: asOf,
      horizon: forecast.horizon,
      method: forecast.method,
      model: forecast.model,
      payload: JSON.stringify(forecast),
      computed_at: deps.clock.now(),
    });
  }
  return views;
}

export interface RefreshSummary {
  readonly segments: number;
  readonly forecasts: number;
  readonly as_of: string;
  /** Held-out quarterly-revenue error of the overall forecast (percent), null without enough history. */
  readonly overall_quarter_ape: number | null;
  readonly results: { segment: string; granularity: Granularity; method: string; quarter_ape: number | null }[];
}

/**
 * Refreshes every segment (overall, each school, each plan) at every granularity. Each segment's backtest is a
 * second or two of CPU, spent in one worker thread for the whole refresh, so a server keeps answering meanwhile.
 */
export async function refreshRevenueForecasts(
  deps: ForecastDeps,
  options: { now: Date; onProgress?: (done: number, total: number, segment: string) => void },
): Promise<RefreshSummary> {
  const segments = await listRevenueSegments(deps.db);
  const total = segments.length * GRANULARITIES.length;
  const results: RefreshSummary['results'] = [];
  let done = 0;
  let overall: number | null = null;
  const thread = openForecastThread();
  try {
    for (const segment of segments) {
      const views = await computeRevenueForecasts(deps, segment, options.now, thread);
      for (const granularity of GRANULARITIES) {
        const f = views[granularity];
        results.push({
          segment: segmentKey(segment),
          granularity,
          method: f.method,
          quarter_ape: f.backtest.quarter_ape,
        });
        if (segment.kind === 'overall' && granularity === 'week') overall = f.backtest.quarter_ape;
        done++;
        options.onProgress?.(done, total, segmentKey(segment));
      }
    }
  } finally {
    await thread.close();
  }
  return {
    segments: segments.length,
    forecasts: done,
    as_of: forecastAsOf(options.now),
    overall_quarter_ape: overall,
    results,
  };
}

/** The `forecast-refresh` job: every segment's revenue forecast, nightly. */
export async function forecastRefresh(deps: JobDeps, ctx: JobContext): Promise<JobSummary> {
  const s = await refreshRevenueForecasts(deps, { now: ctx.now });
  return {
    segments: s.segments,
    forecasts: s.forecasts,
    as_of: s.as_of,
    overall_quarter_ape: s.overall_quarter_ape === null ? null : Number(s.overall_quarter_ape.toFixed(2)),
  };
}
