import type { Sql } from '../../platform/db.js';
import { CUSTOMER_FOR_UPDATE } from '../customers/repository.js';
import { maskVpa } from './manage-payment-methods.js';
import {
  CONFIRM_MANDATE,
  EXPIRE_REGISTRATION,
  HAS_DEFAULT,
  MANDATE_BY_TOKEN,
  MOVE_MANDATE,
  NEWEST_LIVE_METHOD,
  NOTE_REGISTRATION_TOKEN,
  PENDING_MANDATE_BY_TOKEN,
  REJECT_MANDATE,
  SET_DEFAULT,
} from './repository.js';

type Json = Record<string, unknown>;

/**
 * The token a registration's authorisation payment names (its `payment.*` events carry `token_id` once the parent has
 * acted), kept on the pending method that payment registers: a UPI AutoPay method by the payment's id, an e-mandate by
 * the registration link's invoice (the payment's `invoice_id`). True when this told kosh the method's token.
 */
export async function noteRegistrationToken(
  tx: Sql,
  payment: { id: string; invoiceId: string | null },
  tokenId: string,
  at: Date,
): Promise<boolean> {
  const ids = payment.invoiceId === null ? [payment.id] : [payment.id, payment.invoiceId];
  const changed = await tx.run(NOTE_REGISTRATION_TOKEN, { registration_ids: ids, gateway_token: tokenId, at });
  return changed > 0;
}

/** A pending e-mandate whose registration link (the gateway invoice) expired unused becomes `expired`; true if one did. */
export async function expireRegistration(tx: Sql, invoiceId: string, at: Date): Promise<boolean> {
  return (await tx.run(EXPIRE_REGISTRATION, { registration_id: invoiceId, at })) > 0;
}

/**
 * A gateway token event on a pending UPI AutoPay or e-mandate method (https://razorpay.com/docs/payments/payment-gateway/
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

/** The moves a confirmed mandate's later token events make: from which states, to which. */
const MOVES = {
  'token.paused': { from: ['active'], to: 'paused' },
  'token.resumed': { from: ['paused'], to: 'active' },
  'token.cancelled': { from: ['active', 'paused', 'pending'], to: 'cancelled' },
} as const;

export type MandateEvent = keyof typeof MOVES;
export const MANDATE_EVENTS = Object.keys(MOVES) as MandateEvent[];

/**
 * The parent pausing, resuming or revoking a UPI AutoPay mandate in their UPI app, as Razorpay reports it
 * (https://razorpay.com/docs/recurring-payments/using-webhooks/, "Token States": paused — "Ask them to resume the token
 * to charge them"; cancelled — "Create the authorization transaction again if you want to charge the customer").
 * A paused method is not debited (billing fails its charge as `mandate_paused`, which dunning chases) and stays the
 * default; a cancelled one is never debited again, and the customer's newest active method becomes the default.
 * `eventAt` is the event's gateway time: an event older than the last one applied changes nothing, so a pause
 * delivered after the resume that followed it is ignored. `unknown` when no mandate of kosh's has that token, or it is
 * still pending (the event is applied again once `token.confirmed` is).
 */
export async function applyMandateEvent(
  tx: Sql,
  event: MandateEvent,
  token: Json,
  eventAt: Date,
  at: Date,
): Promise<'moved' | 'stale' | 'unknown'> {
  const move = MOVES[event];
  const moved = await tx.one<{ id: string; customer_id: string; was_default: boolean }>(MOVE_MANDATE, {
    gateway_token: String(token['id'] ?? ''),
    from: [...move.from],
    to: move.to,
    event_at: eventAt,
    at,
  });
  if (moved === undefined) {
    // Not known yet, or still pending (its token.confirmed not applied): the event waits for the confirmation.
    const known = await tx.one<{ status: string }>(MANDATE_BY_TOKEN, { gateway_token: String(token['id'] ?? '') });
    return known === undefined || known.status === 'pending' ? 'unknown' : 'stale';
  }
  if (move.to === 'cancelled' && moved.was_default) {
    const next = await tx.one<{ id: string }>(NEWEST_LIVE_METHOD, { customer_id: moved.customer_id });
    if (next !== undefined) await tx.run(SET_DEFAULT, { id: next.id, at });
  }
  return 'moved';
}
