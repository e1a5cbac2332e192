import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Log } from '../../platform/log.js';
import type { PaymentGateway } from '../gateway/port.js';
import { createOrders } from '../orders/create-orders.js';
import { inactiveMandate } from '../payment-methods/mandate-status.js';
import { chargeOffSession } from '../payments/charge-off-session.js';
import { createPayments } from '../payments/create-payments.js';
import { classifyDecline } from '../retries/declines.js';
import { AUTO_DEBIT_LIMIT_PAISE } from '../retries/india-rules.js';
import { chargeClaimed } from './charge-claimed.js';
import { INSERT_ORDERS, INSERT_PAYMENTS, RECORD_BY_ID } from './repository.js';
import { DEFAULT_BILLING_OPTIONS } from './run-billing.js';
import { settleFollowUps } from './settle-follow-ups.js';
import type { BillingChargeOutcome, BillingRecord } from './types.js';

export type { BillingChargeOutcome } from './types.js';

type Deps = { db: Db; gateway: PaymentGateway; clock: Clock; log: Log };

const CLAIM_ONE = `
UPDATE billing_records SET status = 'charging', claimed_by = $run_id, claim_expires_at = $expires, attempts = attempts + 1,
  updated_at = $now
WHERE id = $id AND (status = 'pending' OR (status = 'charging' AND claim_expires_at < $now))
RETURNING id`;

/** The method to charge now: the subscription's own if still saved, else the customer's default. */
const CURRENT_METHOD = `
SELECT m.id, pm.status FROM subscriptions s
CROSS JOIN LATERAL (SELECT coalesce(
  (SELECT pm.id FROM payment_methods pm WHERE pm.id = s.payment_method_id AND pm.deleted_at IS NULL),
  (SELECT min(pm.id) FROM payment_methods pm WHERE pm.customer_id = s.customer_id AND pm.is_default AND pm.deleted_at IS NULL)
) AS id) m
LEFT JOIN payment_methods pm ON pm.id = m.id
WHERE s.id = $subscription_id`;

const RETRY_SETTLED = `
UPDATE billing_records SET status = $status, payment_id = $payment_id, decline_code = $decline_code, updated_at = $now
WHERE id = $id AND status IN ('failed', 'unknown')`;

function outcomeOf(record: BillingRecord, error: { reason: string | null; code: string | null }): BillingChargeOutcome {
  if (record.status === 'paid') return { status: 'paid', paymentId: record.payment_id ?? record.idempotency_key };
  if (record.status === 'failed') {
    const declineCode = record.decline_code ?? 'payment_failed';
    return {
      status: 'failed',
      paymentId: record.payment_id,
      declineCode,
      hard: classifyDecline(error.reason ?? declineCode, error.code) === 'hard',
    };
  }
  return { status: 'unknown', paymentId: record.payment_id ?? record.idempotency_key };
}

async function load(db: Db, id: string): Promise<BillingRecord> {
  const record = await db.one<BillingRecord>(RECORD_BY_ID, { id });
  if (record === undefined) throw notFound('billing_record', id);
  return record;
}

/**
 * Charges one billing record: attempt 0 is the billing run's own charge (keyed `bill_<id>_0`, resumed by key
 * when an earlier run died holding it); attempts 1.. are dunning retries, each a new payment keyed
 * `bill_<id>_<attempt>` on the record's order, through the off-session charge every kosh job uses. Paid:
 * the record is paid, the invoice payment recorded, the ledger posted (by the payment), a `pending`
 * subscription active again. A repeated call with the same attempt charges nothing new.
 */
export async function chargeBillingRecord(
  deps: Deps,
  billingRecordId: string,
  options: { attempt: number },
): Promise<BillingChargeOutcome> {
  const record = await load(deps.db, billingRecordId);
  if (record.status === 'paid' || record.status === 'skipped') return outcomeOf(record, { reason: null, code: null });
  if (options.attempt === 0) return chargeFirstAttempt(deps, record);
  if (record.amount > AUTO_DEBIT_LIMIT_PAISE) {
    return { status: 'failed', paymentId: null, declineCode: 'authentication_required', hard: false };
  }
  const method = await deps.db.one<{ id: string | null; status: string | null }>(CURRENT_METHOD, {
    subscription_id: record.subscription_id,
  });
  if (method?.id === null || method?.id === undefined || method.status === 'pending') {
    return { status: 'failed', paymentId: null, declineCode: 'no_default_payment_method', hard: false };
  }
  const inactive = inactiveMandate(method.status);
  if (inactive !== null) {
    return {
      status: 'failed',
      paymentId: null,
      declineCode: inactive.code,
      hard: classifyDecline(inactive.code, null) === 'hard',
    };
  }
  await deps.db.transaction((tx) => createOrders(tx, INSERT_ORDERS, { ids: [record.id], now: deps.clock.now() }));
  const paymentId = `bill_${record.id}_${options.attempt}`;
  const { outcome, payment } = await chargeOffSession(deps, {
    order_id: record.order_id,
    payment_id: paymentId,
    payment_method_id: method.id,
  });
  const status =
    outcome === 'captured' || outcome === 'already_paid' ? 'paid' : outcome === 'failed' ? 'failed' : 'unknown';
  const declineCode = status === 'failed' ? (payment?.error_reason ?? payment?.error_code ?? 'payment_failed') : null;
  await deps.db.transaction(async (tx) => {
    const changed = await tx.run(RETRY_SETTLED, {
      id: record.id,
      status,
      payment_id: outcome === 'already_paid' ? record.payment_id : paymentId,
      decline_code: declineCode,
      now: deps.clock.now(),
    });
    // A retry's failure is not a new failure of the period: dunning already follows it.
    if (changed === 1 && status === 'paid') await settleFollowUps(tx, [record.id], deps.clock);
  });
  if (status === 'paid')
    return { status: 'paid', paymentId: outcome === 'already_paid' ? (record.payment_id ?? paymentId) : paymentId };
  if (status === 'failed') {
    return {
      status: 'failed',
      paymentId,
      declineCode: declineCode ?? 'payment_failed',
      hard: classifyDecline(payment?.error_reason ?? null, payment?.error_code ?? null) === 'hard',
    };
  }
  return { status: 'unknown', paymentId };
}

/** Attempt 0 outside a run: the same claim, key and gateway step as the run, for one record. */
async function chargeFirstAttempt(deps: Deps, record: BillingRecord): Promise<BillingChargeOutcome> {
  if (record.status === 'pending' || record.status === 'charging') {
    const runId = newId('brun');
    const claimed = await deps.db.transaction(async (tx) => {
      const at = deps.clock.now();
      const rows = await tx.all<{ id: string }>(CLAIM_ONE, {
        id: record.id,
        run_id: runId,
        now: at,
        expires: new Date(at.getTime() + DEFAULT_BILLING_OPTIONS.claimTtlMs),
      });
      if (rows.length > 0) {
        await createOrders(tx, INSERT_ORDERS, { ids: [record.id], now: at });
        await createPayments(tx, INSERT_PAYMENTS, { ids: [record.id], now: at });
      }
      return rows.map((r) => r.id);
    });
    await chargeClaimed({ ...deps, concurrency: 1, kill: () => undefined }, runId, claimed);
  }
  const after = await load(deps.db, record.id);
  const payment = await deps.db.one<{ error_reason: string | null; error_code: string | null }>(
    'SELECT error_reason, error_code FROM payments WHERE id = $id',
    { id: after.payment_id ?? after.idempotency_key },
  );
  return outcomeOf(after, { reason: payment?.error_reason ?? null, code: payment?.error_code ?? null });
}
