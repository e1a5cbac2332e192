import { createHash } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { AppError, invalid } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { CLAIM_EVENT_KEY, INSERT_EVENT } from './repository.js';
import { APPLIED_EVENTS, EVENT_KEY_TTL_MS, type WebhookStatus } from './types.js';
import { verifyRazorpaySignature } from './verify-signature.js';

export interface ReceivedWebhook {
  readonly id: string;
  readonly status: WebhookStatus;
}

function entityIdOf(payload: Record<string, unknown>): string | null {
  const inner = payload['payload'];
  if (inner === null || typeof inner !== 'object') return null;
  for (const name of ['refund', 'payment', 'order', 'subscription', 'invoice', 'token']) {
    const wrapper = (inner as Record<string, unknown>)[name];
    const entity =
      wrapper !== null && typeof wrapper === 'object' ? (wrapper as Record<string, unknown>)['entity'] : undefined;
    if (
      entity !== null &&
      typeof entity === 'object' &&
      typeof (entity as Record<string, unknown>)['id'] === 'string'
    ) {
      return (entity as Record<string, unknown>)['id'] as string;
    }
  }
  return null;
}

/** Every `account_number` in an entity, as kosh may keep it: its last 4 digits behind X's. */
function maskAccountNumbers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskAccountNumbers);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] =
      key === 'account_number' && (typeof v === 'string' || typeof v === 'number')
        ? `XXXXXXXX${String(v).slice(-4)}`
        : maskAccountNumbers(v);
  }
  return out;
}

/**
 * The inbox's front door: verify the signature over the raw body, then durably store the event before
 * anything is applied. A redelivery of a known event id is stored as `duplicate` and has no other effect;
 * concurrent copies are serialized by the unique event key.
 */
export async function receiveRazorpayWebhook(
  deps: { db: Db; clock: Clock; secrets: readonly string[] },
  input: { rawBody: string; signature: string | undefined; eventId: string | undefined },
): Promise<ReceivedWebhook> {
  if (!verifyRazorpaySignature(input.rawBody, input.signature, deps.secrets)) {
    throw new AppError('unauthorized', 'invalid_signature', 'X-Razorpay-Signature does not match the body');
  }
  let payload: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(input.rawBody);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    payload = parsed as Record<string, unknown>;
  } catch {
    throw invalid('invalid_json', 'webhook body is not a JSON object', [
      { field: '/', code: 'invalid_json', message: 'not a JSON object' },
    ]);
  }
  const eventType = typeof payload['event'] === 'string' ? payload['event'] : '';
  if (eventType === '') {
    throw invalid('invalid_event', 'webhook body has no event type', [
      { field: '/event', code: 'required', message: 'missing' },
    ]);
  }
  // Razorpay always sends the header; without it an identical body is the best identity there is.
  const eventId = input.eventId ?? `body_${createHash('sha256').update(input.rawBody).digest('hex').slice(0, 32)}`;
  const id = newId('whe');
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const first =
      (await tx.run(CLAIM_EVENT_KEY, {
        provider: 'razorpay',
        event_id: eventId,
        id,
        expires_at: new Date(at.getTime() + EVENT_KEY_TTL_MS),
      })) === 1;
    const applies = (APPLIED_EVENTS as readonly string[]).includes(eventType);
    const status: WebhookStatus = !first ? 'duplicate' : applies ? 'received' : 'stored';
    await tx.run(INSERT_EVENT, {
      id,
      provider: 'razorpay',
      event_id: eventId,
      event_type: eventType,
      entity_id: entityIdOf(payload),
      // An e-mandate's token and registration invoice carry the parent's full bank account number; kosh stores only
      // its last 4 digits (the body's signature was checked above; the stored copy is applied, never re-verified).
      payload: input.rawBody.includes('"account_number"') ? JSON.stringify(maskAccountNumbers(payload)) : input.rawBody,
      status,
      at,
    });
    return { id, status };
  });
}
