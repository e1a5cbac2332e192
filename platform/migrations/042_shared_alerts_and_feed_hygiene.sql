-- Issue 17: API request counts shared by every process (alert rules), and the payments change feed's lag and pruning.

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

-- Change-feed hygiene (issue 17 §3), payments-core/payments/feed-cursors.ts:
-- when each change was written (the lag gauge's age of the oldest change a consumer has not read), and which cursors
-- are a process's in-memory follower (the online fraud features): `expires_at` is pushed forward while the process
-- reads; a follower past it (its process died or stalled) stops holding the pruning back and is deleted by it. A
-- durable consumer (`expires_at` NULL: the lake appender, the lake's compaction) holds it until it reads on.
ALTER TABLE payment_changes ADD COLUMN changed_at TIMESTAMPTZ NOT NULL DEFAULT now();
ALTER TABLE feed_cursors ADD COLUMN expires_at TIMESTAMPTZ;
