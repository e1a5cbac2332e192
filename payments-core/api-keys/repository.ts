/**
 * Concurrency: a key is inserted once (primary key, `key_hash` unique, `ON CONFLICT DO NOTHING`) and only ever
 * revoked, under a `WHERE revoked_at IS NULL` guard.
 */
export const INSERT_KEY = `
INSERT INTO api_keys (id, name, prefix, key_hash, scopes, created_at)
VALUES ($id, $name, $prefix, $key_hash, $scopes, $at)
ON CONFLICT DO NOTHING`;

export const FIND_BY_HASH = `
SELECT id, name, prefix, scopes, created_at FROM api_keys WHERE key_hash = $key_hash AND revoked_at IS NULL`;

export const COUNT_KEYS = 'SELECT count(*)::BIGINT AS n FROM api_keys';

export const REVOKE_KEYS_NAMED = 'UPDATE api_keys SET revoked_at = $at WHERE name = $name AND revoked_at IS NULL';
