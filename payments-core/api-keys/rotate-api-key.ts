import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import { createApiKey } from './create-api-key.js';
import { KEY_FOR_UPDATE, SET_REVOKED_AT } from './repository.js';
import { type ApiKeyRow, type ApiKeyView, keyView } from './types.js';

/** The longest a rotated key may keep working: a week, time enough to roll it out everywhere. */
export const MAX_GRACE_SECONDS = 7 * 24 * 3600;

/**
 * Rolls a key, as Stripe rolls one: a new key with the same name and scopes (its secret returned once), and the old
 * key revoked now or, with `graceSeconds`, when that time has passed, so callers can switch without an outage.
 * A revoked key, or one already rolled, cannot be rolled again (409): roll its successor.
 */
export async function rotateApiKey(
  deps: { db: Db; clock: Clock },
  id: string,
  options: { graceSeconds?: number } = {},
): Promise<{ key: ApiKeyView; secret: string; previous: ApiKeyView }> {
  const grace = options.graceSeconds ?? 0;
  if (!Number.isSafeInteger(grace) || grace < 0 || grace > MAX_GRACE_SECONDS) {
    throw invalid('invalid_grace', `the grace period is 0 to ${MAX_GRACE_SECONDS} seconds`, [
      { field: '/expires_in_seconds', code: 'invalid_grace', message: `0 to ${MAX_GRACE_SECONDS} seconds` },
    ]);
  }
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const row = await tx.one<ApiKeyRow>(KEY_FOR_UPDATE, { id });
    if (row === undefined) throw notFound('api key', id);
    if (row.revoked_at !== null) {
      const code = row.revoked_at > now ? 'api_key_already_rotated' : 'api_key_revoked';
      throw conflict(code, `api key ${id} is ${row.revoked_at > now ? 'already rotated' : 'revoked'}`, {
        api_key_status: keyView(row, now).status,
      });
    }
    const { key, secret } = await createApiKey({ db: tx, clock: deps.clock }, { name: row.name, scopes: row.scopes });
    const revokedAt = new Date(now.getTime() + grace * 1000);
    await tx.run(SET_REVOKED_AT, { id, revoked_at: revokedAt });
    const created: ApiKeyRow = {
      id: key.id,
      name: key.name,
      prefix: key.prefix,
      scopes: [...key.scopes],
      created_at: key.createdAt,
      revoked_at: null,
      last_used_at: null,
    };
    return { key: keyView(created, now), secret, previous: keyView({ ...row, revoked_at: revokedAt }, now) };
  });
}
