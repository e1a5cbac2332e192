-- The nightly churn report (pipelines/churn-report.ts): one row per IST report date, and the ranked scores of every
-- at-risk-eligible customer that night. A rerun on the same date replaces that date's rows. The files (CSV,
-- Parquet, HTML) live in the object store's `analytics` bucket under churn/<report_date>/.

CREATE TABLE churn_reports (
  id                     VARCHAR PRIMARY KEY,
  report_date            VARCHAR NOT NULL UNIQUE,     -- YYYY-MM-DD, Asia/Kolkata
  as_of                  TIMESTAMPTZ NOT NULL,          -- the snapshot instant of the features
  model_id               VARCHAR NOT NULL,            -- the churn model version that scored
  customers              INTEGER NOT NULL,
  at_risk                INTEGER NOT NULL,            -- probability >= 0.5
  revenue_at_risk_minor  BIGINT NOT NULL,             -- Σ probability × monthly revenue, paise
  currency               VARCHAR NOT NULL,
  mean_probability       DOUBLE PRECISION NOT NULL,
  ltv                    VARCHAR,                     -- JSON: BG/NBD and Gamma-Gamma parameters of the night, or NULL
  summary                VARCHAR NOT NULL,            -- JSON: by school, by plan, change since last week
  csv_key                VARCHAR NOT NULL,
  parquet_key            VARCHAR NOT NULL,
  html_key               VARCHAR NOT NULL,
  created_at             TIMESTAMPTZ NOT NULL
);

CREATE TABLE churn_scores (
  report_id              VARCHAR NOT NULL,
  rank                   INTEGER NOT NULL,            -- 1 = most revenue at risk
  customer_id            VARCHAR NOT NULL,
  school_id              VARCHAR NOT NULL,
  plan                   VARCHAR NOT NULL,            -- the subscription plan id, or meal_packs
  probability            DOUBLE PRECISION NOT NULL,             -- calibrated P(churn within 30 days)
  drivers                VARCHAR NOT NULL,            -- JSON: [{feature, contribution, value}] strongest first
  monthly_revenue_minor  BIGINT NOT NULL,
  revenue_at_risk_minor  BIGINT NOT NULL,
  p_alive                DOUBLE PRECISION,                      -- BG/NBD, NULL when LTV could not be fitted
  expected_orders_30d    DOUBLE PRECISION,
  clv_minor              BIGINT,                      -- 12 months, 1 % a month discount
  probability_change_7d  DOUBLE PRECISION,                      -- against the report of 7+ days before, NULL when none
  PRIMARY KEY (report_id, customer_id)
);
