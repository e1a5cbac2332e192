-- The scheduler (pipelines/): every run of a job, the lease that lets one run of a job happen at a time
-- across processes, and the last schedule tick handled per job (for catch-up after downtime).

CREATE TABLE job_runs (
  id           VARCHAR PRIMARY KEY,
  job          VARCHAR NOT NULL,
  trigger      VARCHAR NOT NULL,             -- schedule | manual | catch_up
  status       VARCHAR NOT NULL,             -- running | succeeded | failed
  holder       VARCHAR NOT NULL,             -- the process that ran it
  started_at   TIMESTAMPTZ NOT NULL,
  finished_at  TIMESTAMPTZ,
  summary      VARCHAR,                      -- JSON object of counts returned by the job
  error        VARCHAR
);

-- One row while a run of the job is in progress; a row past expires_at belongs to a crashed holder and
-- may be taken over. The holder renews expires_at while the run lasts.
CREATE TABLE job_leases (
  job          VARCHAR PRIMARY KEY,
  holder       VARCHAR NOT NULL,
  run_id       VARCHAR NOT NULL,
  acquired_at  TIMESTAMPTZ NOT NULL,
  expires_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE job_schedules (
  job          VARCHAR PRIMARY KEY,
  last_tick_at TIMESTAMPTZ NOT NULL
);
