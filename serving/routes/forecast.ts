import { Type } from '@sinclair/typebox';
import { getRevenueForecast } from '../../pipelines/get-revenue-forecast.js';
import type { App, AppDeps } from '../app.js';
import { Nullable, responses } from '../schemas.js';

const Metric = Nullable(Type.Number());
const Band = Nullable(Type.Integer({ description: 'paise; null where no backtest supports a band' }));

const RevenueForecastSchema = Type.Object({
  object: Type.Literal('revenue_forecast'),
  segment: Type.String({ description: 'overall | school:<id> | plan:<id>' }),
  granularity: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')]),
  horizon: Type.Integer(),
  currency: Type.Literal('INR'),
  as_of: Type.String({ description: 'last IST day of ledger data used' }),
  computed_at: Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' }),
  cached: Type.Boolean(),
  method: Type.String({ description: 'ets | damped | theta | combination | mean (short history)' }),
  model: Type.String(),
  history_buckets: Type.Integer({ description: 'complete weeks of history the weekly model was fitted on' }),
  points: Type.Array(
    Type.Object({
      period: Type.String({ description: 'first IST day of the bucket' }),
      booked_minor: Type.Integer({ description: 'paise already in the ledger for this bucket (days through as_of)' }),
      point_minor: Type.Integer({ description: 'paise: booked + the forecast of the remaining days' }),
      lower80_minor: Band,
      upper80_minor: Band,
      lower95_minor: Band,
      upper95_minor: Band,
    }),
  ),
  quarter: Type.Object(
    {
      from: Type.String(),
      to: Type.String(),
      point_minor: Type.Integer(),
      lower80_minor: Band,
      upper80_minor: Band,
      lower95_minor: Band,
      upper95_minor: Band,
      by_month: Type.Array(Type.Object({ period: Type.String(), point_minor: Type.Integer() })),
      by_week: Type.Array(Type.Object({ from: Type.String(), to: Type.String(), point_minor: Type.Integer() })),
    },
    {
      description:
        'the next quarter (three whole months after as_of’s month): the same total in every granularity’s answer, to the paisa',
    },
  ),
  backtest: Type.Object({
    origins: Type.Integer({ description: 'rolling origins backtested, one per Monday' }),
    first_origin: Nullable(Type.String()),
    last_origin: Nullable(Type.String()),
    held_out: Type.Array(
      Type.Object({
        origin: Type.String(),
        method: Type.String({ description: 'chosen on the origins whose quarter closed before this one' }),
        quarter_from: Type.String(),
        quarter_to: Type.String(),
        actual_minor: Type.Integer(),
        forecast_minor: Type.Integer(),
        ape: Type.Number(),
      }),
    ),
    quarter_ape: Nullable(
      Type.Number({ description: 'mean absolute % error of the next quarter’s total over the held-out origins' }),
    ),
    quarter_ape_max: Metric,
    smape: Metric,
    mape: Metric,
    by_method: Type.Record(Type.String(), Metric),
  }),
  target: Type.Object({
    ape_limit: Type.Number(),
    met: Type.Boolean({ description: 'the held-out quarterly error is within ±ape_limit %' }),
    statement: Type.String(),
  }),
  bands: Type.Object({
    shown: Type.Boolean(),
    reason: Type.String(),
    coverage80: Metric,
    coverage95: Metric,
    checks: Type.Integer(),
    buckets_with_band: Type.Integer(),
    quarter_coverage80: Metric,
    quarter_coverage95: Metric,
    quarter_checks: Type.Integer(),
  }),
  calendar: Type.Object({
    classes: Type.Record(Type.String(), Type.Number()),
    monthStart: Type.Number(),
  }),
});

export function forecastRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/forecast/revenue',
    {
      config: { scope: 'analytics:read' },
      schema: {
        operationId: 'getRevenueForecast',
        summary: 'Revenue forecast with intervals',
        tags: ['forecast'],
        description:
          'Net revenue forecast (ledger, net of refunds): one daily path whose day, week and month views and next-quarter total agree to the paisa; the method chosen and scored by a nested rolling-origin backtest (held-out quarterly error, whether ±5 % is met); 80 % / 95 % bands only where the backtest supports them, with their empirical coverage. Refreshed nightly, computed on demand when not cached.',
        querystring: Type.Object(
          {
            horizon: Type.Optional(Type.Integer({ minimum: 1, maximum: 122, description: 'buckets ahead' })),
            granularity: Type.Optional(
              Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], { default: 'month' }),
            ),
            segment: Type.Optional(Type.String({ maxLength: 80, description: 'overall | school:<id> | plan:<id>' })),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: RevenueForecastSchema }),
      },
    },
    async (request) => getRevenueForecast(deps, request.query),
  );
}
