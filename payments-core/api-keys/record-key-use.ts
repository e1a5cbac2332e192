import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { RECORD_KEY_USE } from './repository.js';

/** How often a key's `last_used_at` is written at most. */
export const KEY_USE_EVERY_MS = 60_000;

/**
 * Remembers when each key was last used, without a write per request (the auth path is hot): `used` writes a key's
 * `last_used_at` only when this process has not written it within `KEY_USE_EVERY_MS` on the clock, and the
 * statement's own guard keeps several processes to one write a minute per key too.
 */
export function keyUseRecorder(deps: { db: Sql; clock: Clock }): { used(keyId: string): Promise<void> } {
  const nextWrite = new Map<string, number>();
  return {
    async used(keyId) {
      const now = deps.clock.now();
      if ((nextWrite.get(keyId) ?? Number.NEGATIVE_INFINITY) > now.getTime()) return;
      if (nextWrite.size >= 10_000) nextWrite.clear();
      // Set before the write, so requests arriving meanwhile do not write too.
      nextWrite.set(keyId, now.getTime() + KEY_USE_EVERY_MS);
      await deps.db.run(RECORD_KEY_USE, { id: keyId, now });
    },
  };
}
