import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { isScope } from '../api-keys/types.js';
import { FIND_SESSION } from './repository.js';
import { type DashboardSession, hashSessionId } from './types.js';

/** The live session with this id, from any process's sign-in, or null (unknown, signed out or expired). */
export async function findDashboardSession(
  deps: { db: Sql; clock: Clock },
  id: string | undefined,
): Promise<DashboardSession | null> {
  if (id === undefined || id === '') return null;
  const row = await deps.db.one<{
    expires_at: Date;
    id: string;
    name: string;
    prefix: string;
    scopes: string[];
    created_at: Date;
    key_live: boolean;
  }>(FIND_SESSION, { id_hash: hashSessionId(id), now: deps.clock.now() });
  if (row === undefined) return null;
  return {
    expiresAt: row.expires_at,
    key: row.key_live
      ? {
          id: row.id,
          name: row.name,
          prefix: row.prefix,
          scopes: row.scopes.filter(isScope),
          createdAt: row.created_at,
        }
      : null,
  };
}
