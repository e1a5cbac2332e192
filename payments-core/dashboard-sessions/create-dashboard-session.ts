import { randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { DELETE_BEYOND_MAX, DELETE_EXPIRED_SESSIONS, INSERT_SESSION } from './repository.js';
import { hashSessionId } from './types.js';

/**
 * Signs a dashboard in for `ttlMs` from now with an API key already checked; returns the id the browser keeps (only
 * its hash is stored). At most `max` live sessions: the oldest go first.
 */
export async function createDashboardSession(
  deps: { db: Db; clock: Clock },
  input: { keyId: string; ttlMs: number; max: number },
): Promise<{ id: string; expiresAt: Date }> {
  const id = randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + input.ttlMs);
  await deps.db.transaction(async (tx) => {
    await tx.run(DELETE_EXPIRED_SESSIONS, { now });
    await tx.run(INSERT_SESSION, { id_hash: hashSessionId(id), key_id: input.keyId, now, expires_at: expiresAt });
    await tx.run(DELETE_BEYOND_MAX, { max: input.max });
  });
  return { id, expiresAt };
}
