/** The cache of revenue forecasts (013_forecast.sql): one row per key (segment, granularity), last writer wins. */
export const UPSERT_REVENUE_FORECAST = `
INSERT INTO revenue_forecasts (segment, granularity, as_of, horizon, method, model, payload, computed_at)
VALUES ($segment, $granularity, CAST($as_of AS DATE), $horizon, $method, $model, $payload, $computed_at)
ON CONFLICT (segment, granularity) DO UPDATE SET
  as_of = excluded.as_of, horizon = excluded.horizon, method = excluded.method, model = excluded.model,
  payload = excluded.payload, computed_at = excluded.computed_at`;

export const REVENUE_FORECAST = `
SELECT segment, as_of::VARCHAR AS as_of, payload, computed_at
FROM revenue_forecasts WHERE segment = $segment AND granularity = $granularity`;

export interface RevenueForecastRow {
  readonly segment: string;
  readonly as_of: string;
  readonly payload: string;
  readonly computed_at: Date;
}
