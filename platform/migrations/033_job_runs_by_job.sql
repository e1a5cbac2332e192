-- Every scheduled tick now asks whether another process already ran it (pipelines/repository.ts TICK_TAKEN):
-- with several kosh processes the every-minute jobs add thousands of job_runs a day, so look them up by job and time.
CREATE INDEX job_runs_job_started ON job_runs (job, started_at);
