import type { Sql } from '../../platform/db.js';
import { recordEvent } from './transitions.js';

const SET_PAYMENT_METHOD = `
UPDATE subscriptions SET payment_method_id = $payment_method_id, updated_at = $at
WHERE id = $id AND payment_method_id IS DISTINCT FROM $payment_method_id`;

/**
 * Points a subscription at another of its customer's saved methods (the caller checked ownership), inside the
 * caller's transaction, and records `payment_method_changed`. Setting the method it already has is a no-op.
 */
export async function setSubscriptionPaymentMethod(
  tx: Sql,
  input: {
    subscriptionId: string;
    paymentMethodId: string;
    source: 'api' | 'system';
    at: Date;
    data?: Record<string, unknown>;
  },
): Promise<boolean> {
  const changed = await tx.run(SET_PAYMENT_METHOD, {
    id: input.subscriptionId,
    payment_method_id: input.paymentMethodId,
    at: input.at,
  });
  if (changed === 0) return false;
  await recordEvent(tx, input.subscriptionId, {
    type: 'payment_method_changed',
    source: input.source,
    data: { payment_method_id: input.paymentMethodId, ...input.data },
    at: input.at,
  });
  return true;
}
