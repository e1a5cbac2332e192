/**
 * Concurrency: a key is inserted once (primary key, `key_hash` unique, `ON CONFLICT DO NOTHING`) and only ever
 * revoked: by name under a `WHERE revoked_at IS NULL` guard, by id (revoke, rotate) under a row lock
 * (`KEY_FOR_UPDATE`). A key works while `revoked_at` is null or still ahead (a rotated key's grace period).
 * `last_used_at` moves only forward and at most once a minute, under a `WHERE last_used_at <= $now - 1 minute` guard,
 * so processes recording the same key's use race harmlessly.
 */
export const INSERT_KEY = `
INSERT INTO api_keys (id, name, prefix, key_hash, scopes, created_at)
VALUES ($id, $name, $prefix, $key_hash, $scopes, $at)
ON CONFLICT DO NOTHING`;

export const FIND_BY_HASH = `
SELECT id, name, prefix, scopes, created_at FROM api_keys
WHERE key_hash = $key_hash AND (revoked_at IS NULL OR revoked_at > $now)`;

const KEY_COLUMNS = `SELECT id, name, prefix, scopes, created_at, revoked_at, last_used_at FROM api_keys`;
/** Every key, newest first; revoked ones only when asked. Never the hash. */
export const LIST_KEYS = `${KEY_COLUMNS}
WHERE $include_revoked OR revoked_at IS NULL OR revoked_at > $now
ORDER BY created_at DESC, id DESC`;
export const KEY_FOR_UPDATE = `${KEY_COLUMNS} WHERE id = $id FOR UPDATE`;
export const SET_REVOKED_AT = 'UPDATE api_keys SET revoked_at = $revoked_at WHERE id = $id';

/** Records a use at `$now` unless one within the minute before is recorded already; 1 row or 0. */
export const RECORD_KEY_USE = `
UPDATE api_keys SET last_used_at = $now
WHERE id = $id AND (last_used_at IS NULL OR last_used_at <= $now::timestamptz - interval '1 minute')`;

export const COUNT_KEYS = 'SELECT count(*)::BIGINT AS n FROM api_keys';

export const REVOKE_KEYS_NAMED = 'UPDATE api_keys SET revoked_at = $at WHERE name = $name AND revoked_at IS NULL';
