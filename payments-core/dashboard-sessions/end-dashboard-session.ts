import type { Sql } from '../../platform/db.js';
import { DELETE_EXPIRED_SESSIONS, DELETE_SESSION } from './repository.js';
import { hashSessionId } from './types.js';

/** Signs a dashboard out, on every process; an unknown id is a no-op. */
export async function endDashboardSession(deps: { db: Sql }, id: string | undefined): Promise<void> {
  if (id === undefined || id === '') return;
  await deps.db.run(DELETE_SESSION, { id_hash: hashSessionId(id) });
}

/** Deletes sessions past their expiry (the purge-expired-keys job); returns how many. */
export function purgeExpiredDashboardSessions(deps: { db: Sql }, now: Date): Promise<number> {
  return deps.db.run(DELETE_EXPIRED_SESSIONS, { now });
}
