import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { FIND_BY_HASH, INSERT_KEY } from './repository.js';
import { type ApiKey, isScope, type Scope } from './types.js';

/** Keys are stored as SHA-256: they are high-entropy random strings, so a slow hash buys nothing. */
export function hashKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Creates a key; the secret is returned once and only its hash is stored. */
export async function createApiKey(
  deps: { db: Sql; clock: Clock },
  input: { name: string; scopes: readonly string[]; secret?: string },
): Promise<{ key: ApiKey; secret: string }> {
  const unknown = input.scopes.filter((s) => !isScope(s));
  if (input.scopes.length === 0 || unknown.length > 0) {
    throw invalid('invalid_scopes', `unknown or missing scopes: ${unknown.join(', ') || '(none)'}`, [
      { field: '/scopes', code: 'invalid_scopes', message: 'scopes must be a non-empty list of known scopes' },
    ]);
  }
  const secret = input.secret ?? `kosh_${randomBytes(24).toString('base64url')}`;
  const key: ApiKey = {
    id: newId('key'),
    name: input.name,
    prefix: secret.slice(0, 9),
    scopes: input.scopes as Scope[],
    createdAt: deps.clock.now(),
  };
  await deps.db.run(INSERT_KEY, {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    key_hash: hashKey(secret),
    scopes: [...key.scopes],
    at: key.createdAt,
  });
  return { key, secret };
}

/** Looks a presented secret up by its hash: a key works until it is revoked (a rotated one until it expires). */
export async function findApiKey(deps: { db: Sql; clock: Clock }, secret: string): Promise<ApiKey | null> {
  const row = await deps.db.one<{ id: string; name: string; prefix: string; scopes: string[]; created_at: Date }>(
    FIND_BY_HASH,
    { key_hash: hashKey(secret), now: deps.clock.now() },
  );
  if (row === undefined) return null;
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes.filter(isScope),
    createdAt: row.created_at,
  };
}
