import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { REVOKE_KEYS_NAMED } from './repository.js';

/** Revokes every live key with this name (keys kosh makes for itself); returns how many. */
export function revokeApiKeysNamed(deps: { db: Sql; clock: Clock }, name: string): Promise<number> {
  return deps.db.run(REVOKE_KEYS_NAMED, { name, at: deps.clock.now() });
}
