import { Type } from '@sinclair/typebox';
import { getRevenueForecast } from '../../pipelines/get-revenue-forecast.js';
import type { App, AppDeps } from '../app.js';
import { Nullable, responses } from '../schemas.js';

const Metric = Nullable(Type.Number());

const RevenueForecastSchema = Type.Object({
  object: Type.Literal('revenue_forecast'),
  segment: Type.String({ description: 'overall | school:<id> | plan:<id>' }),
  granularity: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')]),
  horizon: Type.Integer(),
  currency: Type.Literal('INR'),
  as_of: Type.String({ description: 'last IST day of ledger data used' }),
  computed_at: Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' }),
  cached: Type.Boolean(),
  method: Type.String({ description: 'ets | theta | combination | mean (short history)' }),
  model: Type.String(),
  history_buckets: Type.Integer(),
  points: Type.Array(
    Type.Object({
      period: Type.String({ description: 'first IST day of the bucket' }),
      point_minor: Type.Integer({ description: 'paise' }),
      lower80_minor: Type.Integer(),
      upper80_minor: Type.Integer(),
      lower95_minor: Type.Integer(),
      upper95_minor: Type.Integer(),
    }),
  ),
  backtest: Type.Object({
    origins: Type.Integer(),
    horizon: Type.Integer({ description: 'buckets forecast from each origin (one quarter)' }),
    smape: Metric,
    mase: Metric,
    mape: Metric,
    coverage80: Metric,
    coverage95: Metric,
    quarter_ape: Nullable(Type.Number({ description: 'mean absolute % error of the next quarter’s total' })),
    by_method: Type.Record(Type.String(), Metric),
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
          'Net revenue forecast (ledger, net of refunds) with 80 % and 95 % bands, the model used and its rolling-origin backtest; refreshed nightly, computed on demand when not cached.',
        querystring: Type.Object(
          {
            horizon: Type.Optional(Type.Integer({ minimum: 1, maximum: 120, description: 'buckets ahead' })),
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
