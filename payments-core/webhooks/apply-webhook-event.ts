import type { Clock } from '../../platform/clock.js';
import type { Db, Sql, Tx } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { type KillPoints, NO_KILL_POINTS } from '../../platform/kill-points.js';
import type { Log } from '../../platform/log.js';
import { bookGatewayCharge } from '../billing/book-gateway-charge.js';
import { bookLinkPayment } from '../billing/book-link-payment.js';
import { noteLinkStatus } from '../billing/note-link-status.js';
import { applyGatewayDispute } from '../disputes/apply-gateway-dispute.js';
import type { GatewayPayment, GatewayRefund } from '../gateway/port.js';
import {
  toGatewayDispute,
  toGatewayPayment,
  toGatewayPaymentLink,
  toGatewayRefund,
} from '../gateway/razorpay-entities.js';
import { bookInstallmentLink } from '../installments/book-installment-link.js';
import { advanceOrder } from '../orders/advance-order.js';
import {
  applyGatewayToken,
  applyMandateEvent,
  expireRegistration,
  MANDATE_EVENTS,
  type MandateEvent,
  noteRegistrationToken,
} from '../payment-methods/apply-gateway-token.js';
import { bookRegistrationPayment } from '../payment-methods/book-registration-payment.js';
import { applyGatewayPayment } from '../payments/apply-gateway-payment.js';
import { INSERT_PAYMENT } from '../payments/repository.js';
import { applyGatewayRefund } from '../refunds/apply-gateway-refund.js';
import { recordRefund } from '../refunds/record-refund.js';
import { applyGatewaySubscription } from '../subscriptions/apply-gateway-subscription.js';
import { timeOfPayment, timeOfRefund } from '../test-clocks/clock-of-customer.js';
import {
  EVENT_FOR_APPLY,
  EVENT_FOR_UPDATE,
  FAIL_EVENT,
  FINISH_EVENT,
  LOCK_GATEWAY_PAYMENT,
  WAITING_PAYMENT_EVENTS,
  WAITING_TOKEN_EVENTS,
} from './repository.js';
import type { WebhookStatus } from './types.js';

type Json = Record<string, unknown>;

function entity(payload: Json, name: string): Json | null {
  const inner = payload['payload'];
  if (inner === null || typeof inner !== 'object') return null;
  const wrapper = (inner as Json)[name];
  if (wrapper === null || typeof wrapper !== 'object') return null;
  const e = (wrapper as Json)['entity'];
  return e !== null && typeof e === 'object' ? (e as Json) : null;
}

/**
 * Finds the kosh payment a gateway payment belongs to: by gateway id, by the kosh id kosh put in its
 * notes, or, for a payment made on Razorpay's hosted checkout against a kosh order, records it now.
 */
async function locatePayment(tx: Sql, gp: GatewayPayment, at: Date): Promise<string | null> {
  const byGatewayId = await tx.one<{ id: string }>('SELECT id FROM payments WHERE gateway_payment_id = $g', {
    g: gp.id,
  });
  if (byGatewayId !== undefined) return byGatewayId.id;
  const koshId = gp.notes['kosh_id'];
  if (koshId !== undefined) {
    const byKoshId = await tx.one<{ id: string }>('SELECT id FROM payments WHERE id = $id', { id: koshId });
    if (byKoshId !== undefined) return byKoshId.id;
  }
  if (gp.orderId === null) return null;
  const order = await tx.one<{ id: string; customer_id: string; school_id: string; currency: string }>(
    'SELECT id, customer_id, school_id, currency FROM orders WHERE gateway_order_id = $g',
    { g: gp.orderId },
  );
  if (order === undefined) return null;
  const id = newId('pay');
  await tx.run(INSERT_PAYMENT, {
    id,
    order_id: order.id,
    customer_id: order.customer_id,
    school_id: order.school_id,
    payment_method_id: null,
    method: gp.method,
    amount: gp.amount,
    currency: gp.currency,
    capture_mode: 'auto',
    gateway_payment_id: gp.id,
    device_id: null,
    ip: null,
    referer: null,
    user_agent: null,
    at,
  });
  return id;
}

/** Finds the kosh refund for a gateway refund, recording refunds started outside kosh (the dashboard). */
async function locateRefund(tx: Sql, gr: GatewayRefund, paymentEntity: Json | null, at: Date): Promise<string | null> {
  const byGatewayId = await tx.one<{ id: string }>('SELECT id FROM refunds WHERE gateway_refund_id = $g', { g: gr.id });
  if (byGatewayId !== undefined) return byGatewayId.id;
  if (gr.receipt !== null) {
    const byReceipt = await tx.one<{ id: string }>('SELECT id FROM refunds WHERE id = $id', { id: gr.receipt });
    if (byReceipt !== undefined) return byReceipt.id;
  }
  let paymentId = (
    await tx.one<{ id: string }>('SELECT id FROM payments WHERE gateway_payment_id = $g', { g: gr.paymentId })
  )?.id;
  if (paymentId === undefined && paymentEntity !== null) {
    // The refund's payment may itself be news (webhooks arrive in any order): settle it first.
    const gp = toGatewayPayment(paymentEntity);
    const located = await locatePayment(tx, gp, at);
    if (located !== null) {
      await applyGatewayPayment(
        tx,
        located,
        gp.status === 'refunded' || gp.captured ? { ...gp, status: 'captured' } : gp,
        at,
      );
      paymentId = located;
    }
  }
  if (paymentId === undefined) return null;
  const id = newId('rfd');
  await recordRefund(tx, {
    id,
    payment_id: paymentId,
    amount: gr.amount,
    reason: 'gateway',
    gateway_refund_id: gr.id,
    at,
  });
  return id;
}

/**
 * A payment of a Razorpay Subscription's invoice (its entity names an `invoice_id`) is booked by
 * `subscription.charged`, and its `payment.*` events may come first: both paths take this transaction-scoped lock on
 * the gateway payment id before looking for the payment, so one sees the other's commit (never both miss).
 */
const isInvoicePayment = (e: Json): boolean => typeof e['invoice_id'] === 'string' && e['invoice_id'] !== '';

async function applyPayload(
  tx: Tx,
  type: string,
  payload: Json,
  clock: Clock,
  at: Date,
  kill: KillPoints,
): Promise<WebhookStatus> {
  if (type.startsWith('payment.dispute.')) {
    const disputeEntity = entity(payload, 'dispute');
    if (disputeEntity === null) return 'unmatched';
    const eventAt = typeof payload['created_at'] === 'number' ? new Date(payload['created_at'] * 1000) : at;
    // No kosh payment with that gateway id yet: left unmatched, applied again when the payment is booked.
    return (await applyGatewayDispute(tx, toGatewayDispute(disputeEntity), eventAt, at)) === null
      ? 'unmatched'
      : 'applied';
  }
  if (type.startsWith('payment.') || type === 'order.paid') {
    const paymentEntity = entity(payload, 'payment');
    let matched = false;
    if (paymentEntity !== null) {
      const gp = toGatewayPayment(paymentEntity);
      const lock = () => tx.run(LOCK_GATEWAY_PAYMENT, { gateway_payment_id: gp.id });
      if (isInvoicePayment(paymentEntity)) await lock();
      let paymentId = await locatePayment(tx, gp, at);
      if (paymentId === null && !isInvoicePayment(paymentEntity)) {
        // Maybe a payment-link payment whose payment_link.paid is being booked right now: wait for it and look again,
        // so this event is either applied or left `unmatched` where the booking's re-application finds it.
        await lock();
        paymentId = (await locatePayment(tx, gp, at)) ?? (await bookRegistrationPayment(tx, gp, at));
      }
      if (paymentId !== null) {
        await applyGatewayPayment(tx, paymentId, gp, await timeOfPayment(tx, paymentId, at));
        matched = true;
      }
      // A UPI AutoPay registration's payment names the mandate's token once the parent has acted: kept on the pending
      // method, then its token events that came first are applied.
      const tokenId = paymentEntity['token_id'];
      const invoiceId = isInvoicePayment(paymentEntity) ? String(paymentEntity['invoice_id']) : null;
      if (typeof tokenId === 'string' && (await noteRegistrationToken(tx, { id: gp.id, invoiceId }, tokenId, at))) {
        await applyWaitingEvents(tx, tokenId, clock, at, kill, WAITING_TOKEN_EVENTS);
        matched = true;
      }
    }
    const orderEntity = entity(payload, 'order');
    if (type === 'order.paid' && orderEntity !== null) {
      const order = await tx.one<{ id: string }>('SELECT id FROM orders WHERE gateway_order_id = $g', {
        g: String(orderEntity['id']),
      });
      if (order !== undefined) {
        await advanceOrder(tx, order.id, 'paid', at);
        matched = true;
      }
    }
    return matched ? 'applied' : 'unmatched';
  }
  if (type.startsWith('refund.')) {
    const refundEntity = entity(payload, 'refund');
    if (refundEntity === null) return 'unmatched';
    const gr = toGatewayRefund(refundEntity);
    const refundId = await locateRefund(tx, gr, entity(payload, 'payment'), at);
    if (refundId === null) return 'unmatched';
    await applyGatewayRefund(tx, refundId, { id: gr.id, status: gr.status }, await timeOfRefund(tx, refundId, at));
    return 'applied';
  }
  if (type.startsWith('payment_link.')) {
    const linkEntity = entity(payload, 'payment_link');
    if (linkEntity === null) return 'unmatched';
    const link = toGatewayPaymentLink(linkEntity);
    const paymentEntity = entity(payload, 'payment');
    if (type !== 'payment_link.paid' || paymentEntity === null) {
      const noted = (await noteLinkStatus(tx, link, clock)) || (await bookInstallmentLink(tx, link, null, clock));
      return noted ? 'applied' : 'unmatched';
    }
    // The link's payment.captured / order.paid may come first (and find nothing: the link's order is Razorpay's own,
    // not a kosh order's) or later: both paths take this lock, and what came first is applied again once booked.
    const gp = toGatewayPayment(paymentEntity);
    await tx.run(LOCK_GATEWAY_PAYMENT, { gateway_payment_id: gp.id });
    const booked =
      (await bookLinkPayment(tx, link, gp, clock, kill)) ||
      (await bookInstallmentLink(tx, link, { ...gp, status: 'captured' }, clock));
    if (!booked) return 'unmatched';
    await applyWaitingEvents(tx, gp.id, clock, at, kill);
    return 'applied';
  }
  if (type === 'invoice.expired') {
    // An e-mandate's registration link that expired unused (https://razorpay.com/docs/webhooks/payloads/invoices/).
    const invoiceEntity = entity(payload, 'invoice');
    if (invoiceEntity === null) return 'stored';
    // Any other invoice (a Razorpay Subscription's) is stored for billing, as every `invoice.*` event was before.
    return (await expireRegistration(tx, String(invoiceEntity['id']), at)) ? 'applied' : 'stored';
  }
  if (type === 'token.confirmed' || type === 'token.rejected') {
    const tokenEntity = entity(payload, 'token');
    if (tokenEntity === null) return 'unmatched';
    if (!(await applyGatewayToken(tx, type, tokenEntity, at))) return 'unmatched';
    // A pause, resume or revoke that came before the confirmation waited for it.
    await applyWaitingEvents(tx, String(tokenEntity['id']), clock, at, kill, WAITING_TOKEN_EVENTS);
    return 'applied';
  }
  if ((MANDATE_EVENTS as string[]).includes(type)) {
    const tokenEntity = entity(payload, 'token');
    if (tokenEntity === null) return 'unmatched';
    const eventAt = typeof payload['created_at'] === 'number' ? new Date(payload['created_at'] * 1000) : at;
    // A stale event (older than the state kosh holds, or a move already made) is applied as "nothing to do".
    const result = await applyMandateEvent(tx, type as MandateEvent, tokenEntity, eventAt, at);
    return result === 'unknown' ? 'unmatched' : 'applied';
  }
  if (type.startsWith('subscription.')) {
    const subscriptionEntity = entity(payload, 'subscription');
    if (subscriptionEntity === null) return 'unmatched';
    const paymentEntity = entity(payload, 'payment');
    const period = await applyGatewaySubscription(tx, type, subscriptionEntity, at, paymentEntity);
    if (period === null) return 'unmatched';
    if (type === 'subscription.charged' && paymentEntity !== null) {
      const gp = toGatewayPayment(paymentEntity);
      if (gp.status === 'captured' || gp.status === 'refunded') {
        await tx.run(LOCK_GATEWAY_PAYMENT, { gateway_payment_id: gp.id });
        const booked = await tx.one<{ id: string }>('SELECT id FROM payments WHERE gateway_payment_id = $g', {
          g: gp.id,
        });
        if (booked === undefined) {
          await bookGatewayCharge(tx, { ...period, payment: { ...gp, status: 'captured' } }, clock);
        }
        await applyWaitingEvents(tx, gp.id, clock, at, kill);
      }
    }
    return 'applied';
  }
  return 'stored';
}

/**
 * The `payment.*` and `order.paid` events of a subscription payment that came before its `subscription.charged` and
 * found nothing (`unmatched`): applied again now that the payment is booked, each in this transaction. The same for
 * the `token.*` events of a UPI AutoPay mandate that came before the registration payment naming its token
 * (`WAITING_TOKEN_EVENTS`).
 */
async function applyWaitingEvents(
  tx: Tx,
  entityId: string,
  clock: Clock,
  at: Date,
  kill: KillPoints,
  query: string = WAITING_PAYMENT_EVENTS,
): Promise<void> {
  const waiting = await tx.all<{ id: string; event_type: string; payload: string }>(query, { entity_id: entityId });
  for (const event of waiting) {
    const status = await applyPayload(tx, event.event_type, JSON.parse(event.payload) as Json, clock, at, kill);
    if (status === 'applied') await tx.run(FINISH_EVENT, { id: event.id, status, error: null, applied_at: at });
  }
}

/**
 * Applies one stored event from its stored copy, in one transaction with its new status, so a crash in
 * between leaves it `received` for the next pass. Every effect is idempotent: a replay changes nothing.
 */
export async function applyWebhookEvent(
  deps: { db: Db; clock: Clock; log: Log; kill?: KillPoints | undefined },
  eventRowId: string,
): Promise<WebhookStatus> {
  const row = await deps.db.one<{ id: string; event_type: string; payload: string; status: WebhookStatus }>(
    EVENT_FOR_APPLY,
    {
      id: eventRowId,
    },
  );
  if (row === undefined || (row.status !== 'received' && row.status !== 'failed')) return row?.status ?? 'failed';
  const at = deps.clock.now();
  try {
    return await deps.db.transaction(async (tx) => {
      // Locked and checked again: another process's inbox may have applied it since it was read.
      const locked = await tx.one<{ status: WebhookStatus }>(EVENT_FOR_UPDATE, { id: row.id });
      if (locked === undefined || (locked.status !== 'received' && locked.status !== 'failed')) {
        return locked?.status ?? 'failed';
      }
      const kill = deps.kill ?? NO_KILL_POINTS;
      const status = await applyPayload(tx, row.event_type, JSON.parse(row.payload) as Json, deps.clock, at, kill);
      // Crash tests: the event's effects are written in this transaction, not yet committed.
      kill.at(`webhook_uncommitted.${row.event_type}`);
      await tx.run(FINISH_EVENT, { id: row.id, status, error: null, applied_at: status === 'applied' ? at : null });
      return status;
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    deps.log.warn({ webhook_event: row.id, type: row.event_type, err: message }, 'webhook event failed to apply');
    await deps.db.run(FAIL_EVENT, { id: row.id, error: message.slice(0, 500) });
    return 'failed';
  }
}
