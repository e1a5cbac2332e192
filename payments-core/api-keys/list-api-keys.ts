import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { LIST_KEYS } from './repository.js';
import { type ApiKeyRow, type ApiKeyView, keyView } from './types.js';

/** The keys that work now (with `includeRevoked`, every key), newest first, without their secrets. */
export async function listApiKeys(
  deps: { db: Sql; clock: Clock },
  options: { includeRevoked?: boolean } = {},
): Promise<ApiKeyView[]> {
  const now = deps.clock.now();
  const rows = await deps.db.all<ApiKeyRow>(LIST_KEYS, { include_revoked: options.includeRevoked ?? false, now });
  return rows.map((r) => keyView(r, now));
}
