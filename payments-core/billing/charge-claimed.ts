import { appendRows } from '../../platform/bulk.js';
import type { Db, Sql, Tx } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { inParallel } from '../../platform/in-parallel.js';
import { ensureGatewayCustomer } from '../customers/ensure-gateway-customer.js';
import type { GatewayPayment, PaymentGateway } from '../gateway/port.js';
import { postEntries } from '../ledger/post-entries.js';
import { advanceOrders } from '../orders/advance-orders.js';
import { setGatewayOrders } from '../orders/set-gateway-orders.js';
import { inactiveMandate } from '../payment-methods/mandate-status.js';
import { isPlainVpa, UPI_COLLECT_DETAIL, UPI_COLLECT_UNAVAILABLE } from '../payments/instrument.js';
import { storePaymentOutcomes } from '../payments/store-payment-outcomes.js';
import { classifyDecline } from '../retries/declines.js';
import type { KillPoint } from './faults.js';
import {
  ANALYZE_OUTCOMES,
  CLAIMED_ITEMS,
  CLEAR_OUTCOMES,
  CREATE_OUTCOMES,
  POST_CAPTURES,
  SETTLE_CLAIMED,
  STORE_GATEWAY_ORDERS,
  STORE_ORDER_STATUS,
  STORE_PAYMENTS,
} from './repository.js';
import { settleFollowUps } from './settle-follow-ups.js';
import type { BillingDeps } from './types.js';

interface ClaimedItem {
  id: string;
  subscription_id: string;
  customer_id: string;
  order_id: string;
  payment_id: string;
  amount_minor: number;
  currency: string;
  attempts: number;
  payment_method_id: string | null;
  method_type: string | null;
  gateway_token: string | null;
  /** active, or a UPI AutoPay mandate the parent paused or revoked (never sent to the gateway then). */
  method_status: string | null;
  /** The customer's gateway customer, whose token the method is; null until first needed. */
  gateway_customer_id: string | null;
  email: string;
  phone: string;
  gateway_order_id: string | null;
  payment_status: string | null;
  gateway_payment_id: string | null;
  fee_minor: number | null;
  tax_minor: number | null;
  error_code: string | null;
  error_reason: string | null;
  error_description: string | null;
}

/** What the gateway (or a state already recorded) says about one claimed record. */
export interface ChargeResult {
  readonly recordId: string;
  readonly paymentId: string;
  readonly gatewayOrderId: string | null;
  readonly gatewayPaymentId: string | null;
  /** The payment's state: created (not sent), authorized, captured, failed, or unknown (no answer). */
  readonly status: 'created' | 'authorized' | 'captured' | 'failed' | 'unknown';
  readonly fee: number | null;
  readonly tax: number | null;
  readonly errorCode: string | null;
  readonly errorReason: string | null;
  readonly errorDescription: string | null;
  readonly recovered: boolean;
}

function fromGateway(item: ClaimedItem, orderId: string, p: GatewayPayment, recovered: boolean): ChargeResult {
  const status = p.status === 'refunded' ? 'captured' : p.status;
  return {
    recordId: item.id,
    paymentId: item.payment_id,
    gatewayOrderId: orderId,
    gatewayPaymentId: p.id,
    status,
    fee: p.fee,
    tax: p.tax,
    errorCode: p.errorCode,
    errorReason: p.errorReason,
    errorDescription: p.errorDescription,
    recovered,
  };
}

function failure(item: ClaimedItem, orderId: string | null, code: string, description: string): ChargeResult {
  return {
    recordId: item.id,
    paymentId: item.payment_id,
    gatewayOrderId: orderId,
    gatewayPaymentId: null,
    status: 'failed',
    fee: null,
    tax: null,
    errorCode: code,
    errorReason: code,
    errorDescription: description,
    recovered: false,
  };
}

/**
 * One claimed record at the gateway: a gateway order whose receipt is the kosh order id, then a payment keyed
 * by the kosh payment id (notes.kosh_id), auto-captured. A record taken over from a run that died
 * (`attempts > 1`) first looks both keys up, so what reached the gateway before the crash is found and
 * finished, never charged again; only a key the gateway has never seen is charged.
 */
async function chargeOne(deps: { db: Db; gateway: PaymentGateway }, item: ClaimedItem): Promise<ChargeResult> {
  const gateway = deps.gateway;
  if (item.payment_status === 'captured' || item.payment_status === 'failed') {
    // Settled locally already (a webhook or the resolver got there first): nothing to ask the gateway.
    return {
      recordId: item.id,
      paymentId: item.payment_id,
      gatewayOrderId: item.gateway_order_id,
      gatewayPaymentId: item.gateway_payment_id,
      status: item.payment_status,
      fee: item.fee_minor,
      tax: item.tax_minor,
      errorCode: item.error_code,
      errorReason: item.error_reason,
      errorDescription: item.error_description,
      recovered: true,
    };
  }
  if (item.payment_method_id === null || item.gateway_token === null) {
    return failure(item, null, 'no_default_payment_method', 'the customer has no saved default method');
  }
  const recovering = item.attempts > 1 || item.payment_status === 'unknown';
  let orderId = item.gateway_order_id;
  try {
    if (orderId === null && recovering) orderId = (await gateway.findOrderByReceipt(item.order_id))?.id ?? null;
    if (orderId !== null && recovering) {
      let found = await gateway.findPayment(orderId, item.payment_id);
      if (found !== null) {
        if (found.status === 'authorized') found = await gateway.capturePayment(found.id, found.amount, found.currency);
        return fromGateway(item, orderId, found, true);
      }
    }
    const inactive = inactiveMandate(item.method_status);
    if (inactive !== null) return failure(item, orderId, inactive.code, inactive.description);
    if (item.method_type !== null && isPlainVpa({ type: item.method_type, gateway_token: item.gateway_token })) {
      // A saved plain VPA could be charged only by UPI collect, withdrawn by NPCI on 28 Feb 2026 (instrument.ts);
      // a subscription charges UPI through an AutoPay mandate instead.
      return failure(item, orderId, UPI_COLLECT_UNAVAILABLE, UPI_COLLECT_DETAIL);
    }
    if (orderId === null) {
      orderId = (
        await gateway.createOrder({
          amount: item.amount_minor,
          currency: item.currency,
          receipt: item.order_id,
          notes: { kosh_order_id: item.order_id, billing_record_id: item.id, subscription_id: item.subscription_id },
        })
      ).id;
    }
    const instrument = {
      kind: 'token',
      token: item.gateway_token,
      customerId: item.gateway_customer_id ?? (await ensureGatewayCustomer(deps, item.customer_id)),
    } as const;
    const payment = await gateway.createPayment({
      orderId,
      amount: item.amount_minor,
      currency: item.currency,
      idempotencyKey: item.payment_id,
      email: item.email,
      contact: item.phone,
      instrument,
      capture: 'auto',
    });
    return fromGateway(item, orderId, payment, recovering);
  } catch (err) {
    if (err instanceof AppError && err.kind === 'provider') {
      // Refused outright (bad token, bad input): no money moved.
      return failure(item, orderId, err.code, err.message);
    }
    // No answer: the request may have reached the gateway. The resolver looks the key up; never charge again.
    return {
      recordId: item.id,
      paymentId: item.payment_id,
      gatewayOrderId: orderId,
      gatewayPaymentId: null,
      status: 'unknown',
      fee: null,
      tax: null,
      errorCode: err instanceof AppError ? err.code : 'gateway_unavailable',
      errorReason: null,
      errorDescription: err instanceof Error ? err.message : String(err),
      recovered: recovering,
    };
  }
}

export interface ChargeClaimedSummary {
  readonly charged: number;
  readonly recovered: number;
  readonly paid: number;
  readonly failed: number;
  readonly unknown: number;
  readonly ledgerEntries: number;
}

/**
 * The gateway half of a chunk the run has claimed: charges every record concurrently (bounded), then stores
 * every answer, posts the ledger and does the follow-ups (invoice payment, subscription status, dunning) in one
 * transaction, so a crash before it commits leaves the records claimed for a later run to resume by key.
 */
export async function chargeClaimed(
  deps: BillingDeps & { concurrency: number; kill: (point: KillPoint) => void },
  runId: string,
  recordIds: readonly string[],
): Promise<ChargeClaimedSummary> {
  const empty = { charged: 0, recovered: 0, paid: 0, failed: 0, unknown: 0, ledgerEntries: 0 };
  if (recordIds.length === 0) return empty;
  const items = await deps.db.transaction((tx) =>
    tx.all<ClaimedItem>(CLAIMED_ITEMS, { ids: [...recordIds], run_id: runId }),
  );
  deps.kill('before_gateway_call');
  const results = await inParallel(items, deps.concurrency, async (item) => {
    const result = await chargeOne(deps, item);
    deps.kill('mid_batch');
    return result;
  });
  deps.kill('after_gateway_call_before_store');
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const settled = await storeResults(tx, runId, results, now);
    deps.kill('after_store_before_ledger');
    const ids = [...recordIds];
    const ledgerEntries = (await postEntries(tx, POST_CAPTURES, { ids, now })).entries;
    const follow = await settleFollowUps(tx, settled, deps.clock);
    return {
      charged: results.filter((r) => !r.recovered && r.status !== 'created').length,
      recovered: results.filter((r) => r.recovered).length,
      paid: follow.paid,
      failed: follow.failed,
      unknown: follow.unknown,
      ledgerEntries,
    };
  });
}

/**
 * Writes the gateway's answers set-wise: gateway order ids, payments and order statuses through their owners' entry
 * points, then the records this run holds.
 */
async function storeResults(tx: Tx, runId: string, results: readonly ChargeResult[], now: Date): Promise<string[]> {
  await tx.run(CREATE_OUTCOMES);
  await tx.run(CLEAR_OUTCOMES);
  await appendRows(
    tx,
    'billing_outcomes',
    {
      record_id: 'varchar',
      payment_id: 'varchar',
      gateway_order_id: 'varchar',
      gateway_payment_id: 'varchar',
      status: 'varchar',
      fee: 'bigint',
      tax: 'bigint',
      error_code: 'varchar',
      error_reason: 'varchar',
      error_description: 'varchar',
      decline_code: 'varchar',
      hard: 'boolean',
    },
    results.map((r) => [
      r.recordId,
      r.paymentId,
      r.gatewayOrderId,
      r.gatewayPaymentId,
      // An authorised payment the capture did not finish is unknown until the resolver captures it.
      r.status === 'authorized' ? 'unknown' : r.status,
      r.fee,
      r.tax,
      r.errorCode,
      r.errorReason,
      r.errorDescription,
      r.status === 'failed' ? (r.errorReason ?? r.errorCode ?? 'payment_failed') : null,
      r.status === 'failed' ? classifyDecline(r.errorReason, r.errorCode) === 'hard' : null,
    ]),
  );
  await tx.run(ANALYZE_OUTCOMES);
  await setGatewayOrders(tx, STORE_GATEWAY_ORDERS, { now });
  await storePaymentOutcomes(tx, STORE_PAYMENTS, { now });
  await advanceOrders(tx, STORE_ORDER_STATUS, { now });
  const settled = await tx.all<{ id: string }>(SETTLE_CLAIMED, { now, run_id: runId });
  await tx.run(CLEAR_OUTCOMES);
  return settled.map((s) => s.id);
}

export type { Sql };
