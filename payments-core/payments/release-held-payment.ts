import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict, notFound } from '../../platform/errors.js';
import type { Log } from '../../platform/log.js';
import type { PaymentMetrics } from '../../platform/metrics.js';
import type { PaymentGateway } from '../gateway/port.js';
import { INSTRUMENT_BY_ID } from '../payment-methods/repository.js';
import { chargeCreatedPayment, type PaymentRisk } from './create-payment.js';
import {
  type Instrument,
  payerOf,
  type SavedMethod,
  savedInstrument,
  UPI_COLLECT_DETAIL,
  UPI_COLLECT_UNAVAILABLE,
} from './instrument.js';
import { CLOSE_HOLD, DECLINE_HOLD, HELD_PAYMENT, PAYMENT_BY_ID, RELEASE_HOLD } from './repository.js';
import type { Payment } from './types.js';

type Deps = {
  db: Db;
  clock: Clock;
  gateway: PaymentGateway;
  log: Log;
  paymentRisk?: PaymentRisk | undefined;
  metrics?: PaymentMetrics | undefined;
};

export const REVIEW_DECLINED = 'fraud_review_declined';

interface Held {
  id: string;
  order_id: string;
  customer_id: string;
  payment_method_id: string | null;
  method: string;
  amount: number;
  currency: string;
  capture_mode: 'auto' | 'manual';
  /** The payer's browser kept on the payment: a UPI intent is sent with it. */
  ip: string | null;
  referer: string | null;
  user_agent: string | null;
  gateway_customer_id: string | null;
}

/**
 * Ends a fraud hold. Approved: the payment becomes `created` and is charged now, keyed by its id like any
 * other; declined: it fails with `fraud_review_declined` and the gateway is never called. Only an `on_hold`
 * payment moves, so a repeated decision cannot charge twice (409 `payment_not_on_hold`).
 */
export async function releaseHeldPayment(
  deps: Deps,
  input: { payment_id: string; approve: boolean },
): Promise<Payment> {
  const released = await deps.db.transaction(async (tx) => {
    const held = await tx.one<Held>(HELD_PAYMENT, { id: input.payment_id, status: 'on_hold' });
    if (held === undefined) {
      const any = await tx.one<Payment>(PAYMENT_BY_ID, { id: input.payment_id });
      if (any === undefined) throw notFound('payment', input.payment_id);
      throw conflict('payment_not_on_hold', `payment ${input.payment_id} is ${any.status}, not on hold`, {
        payment_id: input.payment_id,
      });
    }
    const at = deps.clock.now();
    if (!input.approve) {
      await tx.run(DECLINE_HOLD, {
        id: held.id,
        code: REVIEW_DECLINED,
        description: 'declined in fraud review',
        at,
        from: 'on_hold',
      });
      await tx.run(CLOSE_HOLD, { id: held.id, at, outcome: 'declined' });
      return { held, at, instrument: null };
    }
    let instrument: Instrument;
    if (held.payment_method_id !== null) {
      const pm = await tx.one<SavedMethod>(INSTRUMENT_BY_ID, {
        id: held.payment_method_id,
      });
      if (pm === undefined) {
        // The method was deleted while the payment waited: it cannot be charged, so the hold ends as failed.
        await tx.run(DECLINE_HOLD, {
          id: held.id,
          code: 'payment_method_removed',
          description: 'the payment method was removed during review',
          at,
          from: 'on_hold',
        });
        await tx.run(CLOSE_HOLD, { id: held.id, at, outcome: 'approved' });
        return { held, at, instrument: null };
      }
      const saved = savedInstrument(pm);
      if (saved === null) {
        // A saved plain VPA could be charged only by collect, withdrawn since 28 Feb 2026: the hold ends as failed.
        await tx.run(DECLINE_HOLD, {
          id: held.id,
          code: UPI_COLLECT_UNAVAILABLE,
          description: UPI_COLLECT_DETAIL,
          at,
          from: 'on_hold',
        });
        await tx.run(CLOSE_HOLD, { id: held.id, at, outcome: 'approved' });
        return { held, at, instrument: null };
      }
      instrument = saved;
    } else {
      // A held UPI payment: its intent is made now, and its link is kept on the payment (`upi_link`) for the parent
      // still on the checkout, which polls the held payment; a parent who left pays a new one (the link expires).
      instrument = {
        kind: 'upi_intent',
        customerId: held.customer_id,
        gatewayCustomerId: held.gateway_customer_id,
        payer: payerOf(held),
      };
    }
    await tx.run(RELEASE_HOLD, { id: held.id, at, from: 'on_hold' });
    await tx.run(CLOSE_HOLD, { id: held.id, at, outcome: 'approved' });
    const customer = await tx.one<{ email: string; phone: string }>(
      'SELECT email, phone FROM customers WHERE id = $id',
      {
        id: held.customer_id,
      },
    );
    return { held, at, instrument, customer };
  });
  const { held, instrument } = released;
  if (instrument === null) {
    deps.paymentRisk?.onFailure(held.id, released.at);
    const payment = await deps.db.one<Payment>(PAYMENT_BY_ID, { id: held.id });
    if (payment === undefined) throw notFound('payment', held.id);
    return payment;
  }
  return chargeCreatedPayment(deps, {
    id: held.id,
    order: { id: held.order_id, currency: held.currency },
    amount: held.amount,
    instrument,
    customer: 'customer' in released ? released.customer : undefined,
    capture: held.capture_mode,
    method: held.method,
  });
}
