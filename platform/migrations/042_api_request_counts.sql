-- The API requests the alert rules judge (p95 latency, 5xx rate), shared by every kosh process on this database
-- (issue 17 §1: the request log was per process, so with several processes the rules saw only the share of the one
-- that held the evaluate-alerts lease). Owned by platform/request-counts.ts.
--
-- One row per second (of the injected clock) and latency bucket: how many API requests finished in that second with a
-- latency in the bucket (`le`: at most this many seconds, above the previous edge; 'Infinity' for the last), how many
-- of them answered 5xx, and the slowest of them. Each process adds what it recorded about once a second with one
-- INSERT … ON CONFLICT DO UPDATE adding counts (never read then written), so processes add up exactly. The alert
-- thresholds (2 s, 5 s) are bucket edges, so the p95 judged from buckets crosses them exactly when the requests do.
-- Rows older than a day and an hour (the longest alert window is a day) are deleted by the purge-expired-keys job.
CREATE TABLE api_request_counts (
  second       TIMESTAMPTZ NOT NULL,
  le           DOUBLE PRECISION NOT NULL,
  requests     INTEGER NOT NULL CHECK (requests > 0),
  errors_5xx   INTEGER NOT NULL CHECK (errors_5xx >= 0 AND errors_5xx <= requests),
  max_seconds  DOUBLE PRECISION NOT NULL CHECK (max_seconds >= 0 AND max_seconds <= le),
  PRIMARY KEY (second, le)
);
