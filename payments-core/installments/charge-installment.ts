import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import type { Log } from '../../platform/log.js';
import type { PaymentGateway } from '../gateway/port.js';
import { chargeOffSession } from '../payments/charge-off-session.js';
import { PAYMENT_BY_ID } from '../payments/repository.js';
import type { Payment } from '../payments/types.js';
import { enqueueRetry } from '../retries/enqueue-retry.js';
import { checkAutoDebit, type MandateType } from '../retries/india-rules.js';
import { DEFAULT_METHOD } from '../retries/repository.js';
import { offerInstallmentLink } from './offer-installment-link.js';
import { CHARGE_CONTEXT, SET_INSTALLMENT_STATUS, START_INSTALLMENT_ATTEMPT } from './repository.js';
import { rollUpPlan } from './roll-up-plan.js';
import { settleInstallmentOrder } from './settle-installment-order.js';
import type { InstallmentStatus } from './types.js';

export type ChargeDeps = { db: Db; clock: Clock; gateway: PaymentGateway; log: Log; random?: () => number };

export type InstallmentChargeResult =
  | 'paid'
  | 'retrying'
  | 'failed'
  | 'processing'
  | 'deferred'
  | 'requires_authentication'
  | 'skipped';

interface Context {
  id: string;
  plan_id: string;
  order_id: string;
  amount: number;
  currency: string;
  status: InstallmentStatus;
  attempts: number;
  last_payment_id: string | null;
  customer_id: string;
  plan_status: string;
}

/** The kosh payment id (and gateway key) of the installment's own attempt `n`: derived, so a rerun reuses it. */
export function installmentPaymentId(installmentId: string, attempt: number): string {
  return `pay_${installmentId.slice(4)}I${attempt}`;
}

/** A failed charge: onto the retry queue (a hard decline lands dead at once), the installment follows. */
async function routeFailure(
  deps: ChargeDeps,
  c: Context,
  payment: Payment,
  methodId: string,
): Promise<InstallmentChargeResult> {
  return deps.db.transaction(async (tx) => {
    const at = deps.clock.now();
    const item = await enqueueRetry(
      tx,
      {
        source_type: 'installment',
        source_id: c.id,
        origin_key: payment.id,
        order_id: c.order_id,
        customer_id: c.customer_id,
        payment_method_id: methodId,
        amount: c.amount,
        currency: c.currency,
        error_reason: payment.error_reason,
        error_code: payment.error_code,
      },
      at,
      deps.random,
    );
    const status = item.state === 'dead' ? 'failed' : 'retrying';
    await tx.run(SET_INSTALLMENT_STATUS, {
      id: c.id,
      from: 'processing',
      status,
      error_code: payment.error_reason ?? payment.error_code,
      at,
    });
    await rollUpPlan(tx, c.plan_id, at);
    return status;
  });
}

async function settle(
  deps: ChargeDeps,
  c: Context,
  payment: Payment | null,
  methodId: string,
): Promise<InstallmentChargeResult> {
  if (payment === null || payment.status === 'captured') {
    // The capture already settled the installment in its transaction; this covers an order paid elsewhere.
    await deps.db.transaction((tx) => settleInstallmentOrder(tx, c.order_id, deps.clock.now()));
    return 'paid';
  }
  if (payment.status === 'failed') return routeFailure(deps, c, payment, methodId);
  return 'processing';
}

/**
 * One off-session charge of a due installment with the customer's default method, under the key
 * `installmentPaymentId(id, attempt)`. India's auto-debit rules come first (above ₹15,000 → the customer
 * must pay on-session; a mandate debit without a 24 h-old pre-debit notice → deferred). An installment
 * already `processing` is settled from its payment: an unknown outcome waits, a missing payment row
 * (a crash before the call) is charged under the same key.
 */
export async function chargeInstallment(
  deps: ChargeDeps,
  installmentId: string,
  now: Date,
): Promise<InstallmentChargeResult> {
  const c = await deps.db.one<Context>(CHARGE_CONTEXT, { id: installmentId });
  if (c === undefined || c.plan_status === 'cancelled') return 'skipped';
  if (c.status !== 'scheduled' && c.status !== 'processing') return 'skipped';
  // A dead-lettered installment suspended the plan (maybe earlier in this batch): no new charge on the failing card.
  if (c.status === 'scheduled' && c.plan_status === 'suspended') return 'skipped';
  const method = await deps.db.one<{ id: string; mandate_type: MandateType | null }>(DEFAULT_METHOD, {
    customer_id: c.customer_id,
  });
  if (c.status === 'processing' && c.last_payment_id !== null) {
    const earlier = await deps.db.one<Payment>(PAYMENT_BY_ID, { id: c.last_payment_id });
    if (earlier !== undefined) return settle(deps, c, earlier, earlier.payment_method_id ?? method?.id ?? '');
  }
  if (method === undefined) {
    await deps.db.transaction(async (tx) => {
      await tx.run(SET_INSTALLMENT_STATUS, {
        id: c.id,
        from: c.status,
        status: 'requires_authentication',
        error_code: 'no_default_payment_method',
        at: now,
      });
      await rollUpPlan(tx, c.plan_id, now);
    });
    return 'requires_authentication';
  }
  const attempt = c.status === 'processing' ? c.attempts : c.attempts + 1;
  const paymentId = installmentPaymentId(c.id, attempt);
  if (c.status === 'scheduled') {
    const gate = await deps.db.transaction(async (tx) => {
      const check = await checkAutoDebit(
        tx,
        {
          customer_id: c.customer_id,
          payment_method_id: method.id,
          mandate_type: method.mandate_type,
          source_type: 'installment',
          source_id: c.id,
          amount: c.amount,
          currency: c.currency,
        },
        now,
        { notify: deps.clock },
      );
      if (check.kind === 'requires_authentication') {
        await tx.run(SET_INSTALLMENT_STATUS, {
          id: c.id,
          from: 'scheduled',
          status: 'requires_authentication',
          error_code: 'amount_above_auto_debit_limit',
          at: now,
        });
        await rollUpPlan(tx, c.plan_id, now);
      }
      if (check.kind !== 'allowed') return check.kind;
      const started = await tx.run(START_INSTALLMENT_ATTEMPT, { id: c.id, attempt, payment_id: paymentId, at: now });
      return started === 1 ? 'allowed' : 'raced';
    });
    if (gate === 'raced') return 'skipped';
    if (gate === 'requires_authentication') {
      // The parent pays it on-session: a payment link, once (a failure here leaves the installment without one).
      try {
        await offerInstallmentLink(deps, c.id);
      } catch (err) {
        deps.log.warn({ err, installment: c.id }, 'installments: making a payment link failed');
      }
    }
    if (gate !== 'allowed') return gate;
  }
  const charged = await chargeOffSession(deps, {
    order_id: c.order_id,
    payment_id: paymentId,
    payment_method_id: method.id,
  });
  if (charged.outcome === 'pending') return 'processing';
  return settle(deps, c, charged.outcome === 'already_paid' ? null : charged.payment, method.id);
}
