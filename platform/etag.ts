import { createHash } from 'node:crypto';
import { preconditionFailed } from './errors.js';

/**
 * A strong entity tag of a record as the API shows it (RFC 9110 §8.8.3): a digest of its JSON, so equal
 * representations have equal tags and any change gives a new one, whichever process made it.
 */
export function etagOf(record: unknown): string {
  const json = JSON.stringify(record, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  return `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"`;
}

/**
 * The rule of `If-Match` (RFC 9110 §13.1.1) for a write: absent → the write goes ahead (as before ETags); `*` or a
 * list holding the current tag (strong comparison: a weak `W/` tag never matches) → it goes ahead; else 412.
 * Call it on the record as read inside the write's lock, so the check and the write are one step.
 */
export function checkIfMatch(ifMatch: string | undefined, current: unknown, what: string, id: string): void {
  if (ifMatch === undefined) return;
  const tags = ifMatch.split(',').map((t) => t.trim());
  if (tags.includes('*')) return;
  if (!tags.includes(etagOf(current))) throw preconditionFailed(what, id);
}
