-- State every kosh process on this database shares (kosh issue 17 §1): request and failure counts per client in
-- fixed one-minute windows (rate limits, unknown-key guessing), and dashboard sessions.

-- One row per counter and window: `scope` says which limit ('requests', 'auth_failures'), `client` whom it counts
-- (a key hash or an address). A hit is one INSERT … ON CONFLICT DO UPDATE … RETURNING, so concurrent hits from any
-- process add up exactly. Windows that ended are swept by the purge-expired-keys job.
-- UNLOGGED: counts of the last minute are not worth a WAL flush per request (measured: a logged upsert waits ~4 ms
-- for its commit on a busy disk, an unlogged one does not; bench/RESULTS.md). A crash empties the table, which only
-- gives every client a fresh minute; a standby does not have it, so after a failover the limits start again.
CREATE UNLOGGED TABLE rate_windows (
  scope VARCHAR NOT NULL,
  client VARCHAR NOT NULL,
  window_start TIMESTAMPTZ NOT NULL,
  hits INTEGER NOT NULL CHECK (hits > 0),
  PRIMARY KEY (scope, client, window_start)
);
CREATE INDEX rate_windows_start ON rate_windows (window_start);

-- A signed-in dashboard. The browser holds the random session id; only its SHA-256 is stored, so a read of this
-- table signs no one in. The API key stays server-side as its id: a revoked key ends its sessions.
CREATE TABLE dashboard_sessions (
  id_hash VARCHAR PRIMARY KEY,
  key_id VARCHAR NOT NULL REFERENCES api_keys (id),
  created_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  CHECK (expires_at > created_at)
);
CREATE INDEX dashboard_sessions_expires ON dashboard_sessions (expires_at);
CREATE INDEX dashboard_sessions_created ON dashboard_sessions (created_at);
