-- The model registry (models/registry/): every trained model, indexed here, its manifest and artifact in the
-- object store under models/<task>/<version>/. At most one champion per task; states move
-- candidate → champion → retired, and a rollback brings a retired champion back.

CREATE TABLE models (
  id                   VARCHAR PRIMARY KEY,        -- the version, e.g. fraud-20261128-k3x9
  task                 VARCHAR NOT NULL,           -- fraud
  state                VARCHAR NOT NULL,           -- candidate | champion | retired
  algorithm            VARCHAR NOT NULL,
  params               VARCHAR NOT NULL,           -- JSON: the model's parameters (calibration, hyperparameters)
  feature_set_version  VARCHAR NOT NULL,
  train_from           TIMESTAMPTZ,                  -- the training window asked for (NULL = from the start)
  train_to             TIMESTAMPTZ,
  validation_from      TIMESTAMPTZ,                  -- the first attempt of the validation (newer) part
  train_rows           INTEGER NOT NULL,
  validation_rows      INTEGER NOT NULL,
  data_hash            VARCHAR NOT NULL,           -- sha256 of ids, labels and feature vectors used
  metrics              VARCHAR NOT NULL,           -- JSON: rocAuc, prAuc, … on the validation part
  thresholds           VARCHAR NOT NULL,           -- JSON: review and block thresholds with their FPR and recall
  seed                 INTEGER NOT NULL,
  artifact_key         VARCHAR NOT NULL,           -- key in the `models` bucket
  created_at           TIMESTAMPTZ NOT NULL,
  promoted_at          TIMESTAMPTZ,
  retired_at           TIMESTAMPTZ,
  rolled_back_at       TIMESTAMPTZ                   -- set when a rollback demoted it; a rollback never restores it
);

-- The audit trail: registered, promoted, rolled_back, canary_started, canary_stopped, auto_rollback.
-- `seq` orders events written in the same millisecond (one transaction often writes two).
CREATE SEQUENCE model_event_seq;
CREATE TABLE model_events (
  id          VARCHAR PRIMARY KEY,
  seq         BIGINT NOT NULL DEFAULT nextval('model_event_seq'),
  task        VARCHAR NOT NULL,
  model_id    VARCHAR NOT NULL,
  event       VARCHAR NOT NULL,
  reason      VARCHAR,
  detail      VARCHAR,                             -- JSON
  created_at  TIMESTAMPTZ NOT NULL
);

-- The live canary of a task, if any: the candidate scores `share` of customers (stable by customer hash).
CREATE TABLE model_canary (
  task                VARCHAR PRIMARY KEY,
  model_id            VARCHAR NOT NULL,
  share               DOUBLE PRECISION NOT NULL,
  started_at          TIMESTAMPTZ NOT NULL,
  max_error_rate      DOUBLE PRECISION NOT NULL,
  max_p99_ms          DOUBLE PRECISION NOT NULL,
  min_calls           INTEGER NOT NULL
);
