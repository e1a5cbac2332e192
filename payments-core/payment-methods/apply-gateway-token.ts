import type { Sql } from '../../platform/db.js';
import { CUSTOMER_FOR_UPDATE } from '../customers/repository.js';
import { maskVpa } from './manage-payment-methods.js';
import {
  CONFIRM_MANDATE,
  HAS_DEFAULT,
  NOTE_REGISTRATION_TOKEN,
  PENDING_MANDATE_BY_TOKEN,
  REJECT_MANDATE,
} from './repository.js';

type Json = Record<string, unknown>;

/**
 * The token a registration's authorisation payment names (its `payment.*` events carry `token_id` once the parent has
 * acted), kept on the pending method that payment registers; true when this told kosh the method's token.
 */
export async function noteRegistrationToken(tx: Sql, paymentId: string, tokenId: string, at: Date): Promise<boolean> {
  const changed = await tx.run(NOTE_REGISTRATION_TOKEN, { registration_id: paymentId, gateway_token: tokenId, at });
  return changed > 0;
}

/**
 * A gateway token event on a pending UPI AutoPay method (https://razorpay.com/docs/payments/payment-gateway/
 * s2s-integration/recurring-payments/upi/webhooks): `token.confirmed` ("the bank has completed the mandate
 * registration") makes it active, and the default when the customer has none; `token.rejected` marks it rejected.
 * False when no pending method has that token (unknown, or already applied: a replay changes nothing).
 */
export async function applyGatewayToken(
  tx: Sql,
  event: 'token.confirmed' | 'token.rejected',
  token: Json,
  at: Date,
): Promise<boolean> {
  const method = await tx.one<{ id: string; customer_id: string }>(PENDING_MANDATE_BY_TOKEN, {
    gateway_token: String(token['id'] ?? ''),
  });
  if (method === undefined) return false;
  await tx.run(CUSTOMER_FOR_UPDATE, { id: method.customer_id });
  if (event === 'token.rejected') {
    await tx.run(REJECT_MANDATE, { id: method.id, at });
    return true;
  }
  const vpa = token['vpa'] as Json | null | undefined;
  const address =
    vpa !== null && typeof vpa === 'object' && typeof vpa['username'] === 'string' && typeof vpa['handle'] === 'string'
      ? `${vpa['username']}@${vpa['handle']}`
      : null;
  const hasDefault = (await tx.one(HAS_DEFAULT, { customer_id: method.customer_id })) !== undefined;
  await tx.run(CONFIRM_MANDATE, {
    id: method.id,
    upi_vpa_masked: address === null ? null : maskVpa(address),
    is_default: !hasDefault,
    at,
  });
  return true;
}
