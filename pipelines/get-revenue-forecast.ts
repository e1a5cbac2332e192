import { REVENUE_FORECAST, type RevenueForecastRow } from '../models/forecast/repository.js';
import {
  GRANULARITIES,
  type Granularity,
  MAX_HORIZON,
  type RevenueForecast,
} from '../models/forecast/revenue-model.js';
import { parseSegment, segmentExists, segmentKey } from '../payments-core/analytics/get-revenue-series.js';
import { invalid, notFound } from '../platform/errors.js';
import { computeRevenueForecasts, type ForecastDeps, forecastAsOf } from './refresh-revenue-forecasts.js';

export interface RevenueForecastQuery {
  readonly horizon?: number | undefined;
  readonly granularity?: string | undefined;
  readonly segment?: string | undefined;
}

export interface RevenueForecastAnswer extends Omit<RevenueForecast, 'horizon'> {
  readonly object: 'revenue_forecast';
  readonly segment: string;
  readonly horizon: number;
  readonly currency: 'INR';
  readonly computed_at: Date;
  /** True when served from the nightly cache, false when computed for this request. */
  readonly cached: boolean;
}

const DEFAULT_HORIZON: Record<Granularity, number> = { day: 30, week: 13, month: 3 };

/**
 * The revenue forecast of a segment: from the cache when it covers yesterday's ledger, else computed now (all
 * three granularities, from one fit) and cached. The horizon is cut from the cached longest one.
 */
export async function getRevenueForecast(
  deps: ForecastDeps,
  query: RevenueForecastQuery,
): Promise<RevenueForecastAnswer> {
  const granularity = (query.granularity ?? 'month') as Granularity;
  if (!GRANULARITIES.includes(granularity))
    throw invalid('invalid_granularity', 'granularity must be day, week or month', [
      { field: '/granularity', code: 'invalid_granularity', message: 'day | week | month' },
    ]);
  const horizon = query.horizon ?? DEFAULT_HORIZON[granularity];
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > MAX_HORIZON[granularity])
    throw invalid('invalid_horizon', `horizon must be 1..${MAX_HORIZON[granularity]} for ${granularity}`, [
      { field: '/horizon', code: 'out_of_range', message: `1..${MAX_HORIZON[granularity]}` },
    ]);
  const segment = parseSegment(query.segment);
  if (!(await segmentExists(deps.db, segment)))
    throw notFound(segment.kind, segment.kind === 'overall' ? '' : segment.id);
  const key = segmentKey(segment);
  const now = deps.clock.now();
  const row = await deps.db.one<RevenueForecastRow>(REVENUE_FORECAST, { segment: key, granularity });
  let forecast: RevenueForecast;
  let computedAt: Date;
  let cached: boolean;
  if (row !== undefined && row.as_of >= forecastAsOf(now)) {
    forecast = JSON.parse(row.payload) as RevenueForecast;
    computedAt = row.computed_at;
    cached = true;
  } else {
    forecast = (await computeRevenueForecasts(deps, segment, now))[granularity];
    computedAt = deps.clock.now();
    cached = false;
  }
  return {
    object: 'revenue_forecast',
    segment: key,
    currency: 'INR',
    ...forecast,
    horizon,
    points: forecast.points.slice(0, horizon),
    computed_at: computedAt,
    cached,
  };
}
