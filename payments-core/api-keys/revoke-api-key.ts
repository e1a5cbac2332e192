import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { KEY_FOR_UPDATE, SET_REVOKED_AT } from './repository.js';
import { type ApiKeyRow, type ApiKeyView, keyView } from './types.js';

/**
 * Revokes a key now, also one whose rotation grace period still runs. Revoking a revoked key changes nothing and
 * answers it as it is. Every kosh process stops accepting it within the auth cache's second.
 */
export async function revokeApiKey(deps: { db: Db; clock: Clock }, id: string): Promise<ApiKeyView> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const row = await tx.one<ApiKeyRow>(KEY_FOR_UPDATE, { id });
    if (row === undefined) throw notFound('api key', id);
    if (row.revoked_at !== null && row.revoked_at <= now) return keyView(row, now);
    await tx.run(SET_REVOKED_AT, { id, revoked_at: now });
    return keyView({ ...row, revoked_at: now }, now);
  });
}
