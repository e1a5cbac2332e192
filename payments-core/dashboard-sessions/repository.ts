/**
 * Dashboard sessions (table `dashboard_sessions`, owned here), shared by every kosh process on the database.
 * Concurrency: a session is one row under a unique id hash, inserted once and only deleted (sign-out, expiry, the
 * cap); the cap trims the oldest after each insert, so sign-ins racing at the cap may leave it a few over until the
 * next one.
 */
export const INSERT_SESSION = `
INSERT INTO dashboard_sessions (id_hash, key_id, created_at, expires_at) VALUES ($id_hash, $key_id, $now, $expires_at)`;

export const DELETE_EXPIRED_SESSIONS = 'DELETE FROM dashboard_sessions WHERE expires_at <= $now';

/** All but the newest `$max` live sessions. */
export const DELETE_BEYOND_MAX = `
DELETE FROM dashboard_sessions WHERE id_hash IN (
  SELECT id_hash FROM dashboard_sessions ORDER BY created_at DESC, id_hash OFFSET $max)`;

export const DELETE_SESSION = 'DELETE FROM dashboard_sessions WHERE id_hash = $id_hash';

/** A live session with its key; `key_live` false once the key is revoked (its rotation grace over). */
export const FIND_SESSION = `
SELECT s.expires_at, k.id, k.name, k.prefix, k.scopes, k.created_at,
       (k.revoked_at IS NULL OR k.revoked_at > $now) AS key_live
FROM dashboard_sessions s JOIN api_keys k ON k.id = s.key_id
WHERE s.id_hash = $id_hash AND s.expires_at > $now`;
