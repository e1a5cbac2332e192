import { createHash } from 'node:crypto';
import type { ApiKey } from '../api-keys/types.js';

/** A signed-in dashboard as the server sees it: the key it signed in with (null once revoked) and its end. */
export interface DashboardSession {
  readonly key: ApiKey | null;
  readonly expiresAt: Date;
}

/** Session ids are 256 random bits, so a plain SHA-256 at rest is enough: a read of the table signs no one in. */
export function hashSessionId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}
