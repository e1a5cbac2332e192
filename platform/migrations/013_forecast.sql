-- Revenue forecasts (models/forecast/revenue-model.ts), one row per segment and granularity at the longest
-- horizon served: refreshed nightly by the `forecast-refresh` job, computed on demand by
-- GET /v1/forecast/revenue when missing or stale. `payload` is the whole forecast (points, bands, backtest).
CREATE TABLE revenue_forecasts (
  segment      VARCHAR NOT NULL,           -- overall | school:<id> | plan:<id>
  granularity  VARCHAR NOT NULL,           -- day | week | month
  as_of        DATE NOT NULL,              -- the last IST day of ledger data used
  horizon      INTEGER NOT NULL,
  method       VARCHAR NOT NULL,           -- ets | theta | combination | mean
  model        VARCHAR NOT NULL,           -- e.g. ETS(M,N,N)
  payload      VARCHAR NOT NULL,           -- JSON
  computed_at  TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (segment, granularity)
);
