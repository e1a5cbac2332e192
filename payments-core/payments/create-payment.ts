import type { Clock } from '../../platform/clock.js';
import type { Db, Sql } from '../../platform/db.js';
import { AppError, conflict, invalid } from '../../platform/errors.js';
import type { Recovery } from '../../platform/idempotency.js';
import { newId } from '../../platform/ids.js';
import type { KillPoints } from '../../platform/kill-points.js';
import type { Log } from '../../platform/log.js';
import type { PaymentMetrics } from '../../platform/metrics.js';
import type { GatewayPayment, PaymentGateway, UpiIntent } from '../gateway/port.js';
import { advanceOrder } from '../orders/advance-order.js';
import { ensureGatewayOrder, ensureGatewayOrderFor, type OrderForGateway } from '../orders/ensure-gateway-order.js';
import { ORDER_FOR_UPDATE } from '../orders/repository.js';
import { inactiveMandate } from '../payment-methods/mandate-status.js';
import { INSTRUMENT_BY_ID } from '../payment-methods/repository.js';
import { applyGatewayPayment } from './apply-gateway-payment.js';
import {
  collectUnavailable,
  gatewayCustomerOf,
  type Instrument,
  payerOf,
  payerRequired,
  type SavedMethod,
  savedInstrument,
  UPI_COLLECT_DETAIL,
  UPI_COLLECT_UNAVAILABLE,
} from './instrument.js';
import {
  ATTEMPT_TO_SCREEN,
  CUSTOMER_CONTACT,
  HOLD_PAYMENT,
  INSERT_HOLD,
  INSERT_PAYMENT,
  MARK_PAYMENT_FAILED,
  MARK_PAYMENT_UNKNOWN,
  PAYER_OF_PAYMENT,
  PAYMENT_BY_ID,
  PAYMENT_PRECONDITIONS,
  SET_UPI_INTENT,
} from './repository.js';
import type { Payment } from './types.js';

/** A payment attempt as the fraud screen and the online features see it. */
export interface PaymentAttempt {
  /** The kosh payment id. */
  readonly id: string;
  readonly customer_id: string;
  readonly school_id: string;
  readonly amount: number;
  readonly currency: string;
  /** card | upi | netbanking | wallet */
  readonly method: string;
  /** The saved method id; null for a UPI intent (the payer's VPA is known only once they pay). */
  readonly method_fingerprint: string | null;
  readonly device_id: string | null;
  readonly ip: string | null;
  readonly at: Date;
}

export interface ScreenVerdict {
  readonly decision: 'allow' | 'review' | 'block';
  readonly decision_id: string;
  readonly score: number | null;
  readonly reasons: readonly unknown[];
  readonly rule_hits: readonly unknown[];
}

/**
 * The fraud screen, handed in by the layer above (payments-core never imports models/): `screen` decides
 * before any write, `onAttempt` / `onFailure` keep the online features current, `onHeld` queues a review.
 */
export interface PaymentRisk {
  screen(attempt: PaymentAttempt): Promise<ScreenVerdict>;
  onAttempt(attempt: PaymentAttempt): void;
  onFailure(paymentId: string, at: Date): void;
  onHeld(payment: Payment, verdict: ScreenVerdict): Promise<void>;
}

/** `block` from the fraud screen: 422 `payment_blocked_by_risk` with the decision; nothing is charged. */
export const PAYMENT_BLOCKED = 'payment_blocked_by_risk';

export interface CreatePaymentInput {
  readonly order_id: string;
  /**
   * The kosh payment id, which is the gateway idempotency key. Internal callers derive it from their own
   * record (installment or retry attempt) so a rerun after a crash reuses it; the API leaves it random.
   */
  readonly payment_id?: string | undefined;
  readonly payment_method_id?: string | undefined;
  /** A one-time UPI payment by intent: the answer carries the link the parent opens or scans (`upi_link`). */
  readonly upi?: { readonly flow: 'intent' } | undefined;
  /** A UPI collect from this VPA: refused (422 `upi_collect_unavailable`), NPCI withdrew collect on 28 Feb 2026. */
  readonly vpa?: string | undefined;
  readonly capture?: 'auto' | 'manual' | undefined;
  readonly device_id?: string | undefined;
  /**
   * The payer's browser as the platform's backend relays it (`ip`, `referer`, `user_agent`): required for a UPI
   * intent, which Razorpay takes only with them; kept on the payment. `request_ip` is the caller's own address, the
   * fraud screen's fallback when no payer `ip` is given.
   */
  readonly ip?: string | undefined;
  readonly referer?: string | undefined;
  readonly user_agent?: string | undefined;
  readonly request_ip?: string | undefined;
  /** A merchant-initiated charge on a saved mandate (installments, retries): recorded, never screened. */
  readonly off_session?: boolean | undefined;
}

type Deps = {
  db: Db;
  clock: Clock;
  gateway: PaymentGateway;
  log: Log;
  paymentRisk?: PaymentRisk | undefined;
  /** Counts attempts, successes and failures by method (platform/metrics.ts); optional. */
  metrics?: PaymentMetrics | undefined;
  /** Named points where the process dies, for the crash tests (platform/kill-points.ts). */
  kill?: KillPoints | undefined;
};

/**
 * Recovery points of a payment request under an Idempotency-Key (platform/idempotency.ts): the local row is
 * written (`payment_created`, before the gateway call), then the gateway's answer is recorded (`payment_charged`).
 */
export const PAYMENT_CREATED = 'payment_created';
export const PAYMENT_CHARGED = 'payment_charged';

/**
 * How long a UPI intent link stays payable, in whole minutes: Razorpay's default `upi.expiry_time` ("The default
 * value is 5": the razorpay SDK's `RazorpayPaymentUpiCreateRequestBody`), sent explicitly so kosh knows the expiry.
 */
export const UPI_INTENT_MINUTES = 5;

/** A payment for a customer without an email or phone: Razorpay refuses it, so kosh does not send it. */
export const CONTACT_REQUIRED = 'customer_contact_required';

function contactRequired(customerId: string): AppError {
  return invalid(
    'customer_contact_required',
    `customer ${customerId} has no email or phone, which Razorpay needs for a payment`,
    [
      {
        field: '/order_id',
        code: CONTACT_REQUIRED,
        message: `the order's customer needs an email and a phone: PATCH /v1/customers/${customerId}`,
      },
    ],
  );
}

/**
 * Charges an order with a saved method, or starts a one-time UPI intent: the answer is the payment still `created`
 * (sent, awaiting the parent) with its `upi_link`, completed later by the `payment.*` webhooks or the resolver. One payment at a time per order: while one is in
 * flight or captured, another is refused, so a client retry cannot charge twice. The local row is written
 * before the gateway call, which is keyed by the payment id; a gateway timeout or 5xx marks the payment
 * `unknown` for the webhook or `resolveUnknownPayments` to settle by that key, never by a fresh charge. What a
 * cancelled installment plan of the order captured counts towards it: only the rest is charged (409 `nothing_due`
 * when nothing is left), through a gateway order for that amount (`ensureGatewayOrderFor` says why and how).
 * A UPI intent needs the payer's browser: without it, 422 `payer_required`. A UPI collect (`vpa`, or a saved method
 * that is a plain VPA) is refused, 422 `upi_collect_unavailable`, nothing stored; off-session (a job charging a saved
 * plain VPA) the payment fails with that code, never sent.
 */
export async function createPayment(deps: Deps, input: CreatePaymentInput, recovery?: Recovery): Promise<Payment> {
  const resumed = recovery?.resumed ?? null;
  if (resumed !== null) return resumePayment(deps, resumed.resourceId, input, recovery);
  if (input.vpa !== undefined) throw collectUnavailable('/vpa');
  if ((input.payment_method_id === undefined) === (input.upi === undefined)) {
    throw invalid('instrument_required', 'give exactly one of payment_method_id or upi', [
      {
        field: '/payment_method_id',
        code: 'instrument_required',
        message: 'give exactly one of payment_method_id or upi',
      },
    ]);
  }
  if (input.upi !== undefined && payerOf(input) === null) throw payerRequired(input);
  const id = input.payment_id ?? newId('pay');
  const risk = deps.paymentRisk;
  const verdict = risk === undefined || input.off_session === true ? null : await screenAttempt(deps, risk, id, input);
  const prepared = await deps.db.transaction(async (tx) => {
    const order = await tx.one<{
      id: string;
      customer_id: string;
      school_id: string;
      amount_minor: number;
      currency: string;
      status: string;
      gateway_order_id: string | null;
    }>(ORDER_FOR_UPDATE, { id: input.order_id });
    if (order === undefined) {
      throw invalid('unknown_order', `no order with id ${input.order_id}`, [
        { field: '/order_id', code: 'unknown_order', message: 'no order with this id' },
      ]);
    }
    if (order.status === 'paid') throw conflict('order_already_paid', `order ${order.id} is already paid`);
    // Under the order's lock, in a statement of its own (see PAYMENT_PRECONDITIONS).
    const checks = await tx.one<Preconditions>(PAYMENT_PRECONDITIONS, {
      order_id: order.id,
      payment_method_id: input.payment_method_id ?? null,
      customer_id: order.customer_id,
    });
    if (checks === undefined) throw new Error('the preconditions query returned no row');
    if (checks.plan_id !== null) {
      throw conflict(
        'order_has_installment_plan',
        `order ${order.id} is paid through installment plan ${checks.plan_id}`,
        {
          plan_id: checks.plan_id,
        },
      );
    }
    // A cancelled plan's captured installments count towards the order: only the rest is charged.
    const due = order.amount_minor - checks.installments_captured;
    if (due <= 0) {
      throw conflict('nothing_due', `order ${order.id} was paid in full by its installments`, {
        amount_paid: checks.installments_captured,
      });
    }
    if (checks.closed_installment_id !== null) {
      throw conflict(
        'installment_closed',
        `order ${order.id} belongs to installment ${checks.closed_installment_id} (${checks.closed_installment_status})`,
      );
    }
    if (checks.in_flight_id !== null) {
      throw conflict(
        'payment_in_progress',
        `order ${order.id} already has payment ${checks.in_flight_id} (${checks.in_flight_status})`,
        {
          payment_id: checks.in_flight_id,
        },
      );
    }
    // A saved method that is not active (a paused or revoked mandate, one never confirmed) is never sent: refused
    // on-session, failed unsent off-session (a job then sees its decline code).
    const inactive = checks.method_customer_id === order.customer_id ? inactiveMandate(checks.method_status) : null;
    if (inactive !== null && input.off_session !== true) {
      throw invalid('payment_method_not_active', inactive.description, [
        { field: '/payment_method_id', code: 'payment_method_not_active', message: inactive.description },
      ]);
    }
    // Razorpay takes a payment only with the customer's email and phone (`email`, `contact`: mandatory on the S2S
    // and recurring payment APIs, tests/fixtures/razorpay-contract/payments.json).
    const noContact = !checks.customer_email || !checks.customer_phone;
    if (noContact && input.off_session !== true) throw contactRequired(order.customer_id);
    const { instrument, method } = instrumentOf(
      input,
      checks.method_customer_id === null ||
        checks.method_type === null ||
        checks.method_gateway_token === null ||
        (inactive === null && checks.method_status !== 'active')
        ? undefined
        : {
            customer_id: checks.method_customer_id,
            type: checks.method_type,
            gateway_token: checks.method_gateway_token,
            gateway_customer_id: checks.customer_gateway_id,
          },
      order.customer_id,
      checks.customer_gateway_id,
    );
    // A saved plain VPA could only be charged by collect: refused on-session, failed unsent off-session.
    if (instrument === null && input.off_session !== true) throw collectUnavailable('/payment_method_id');
    const unsent =
      inactive ??
      (instrument === null ? { code: UPI_COLLECT_UNAVAILABLE, description: UPI_COLLECT_DETAIL } : null) ??
      (noContact
        ? { code: CONTACT_REQUIRED, description: 'the customer has no email or phone, which Razorpay needs' }
        : null);
    const noPayer = unsent !== null;
    const customer = { email: checks.customer_email ?? '', phone: checks.customer_phone ?? '' };
    const at = deps.clock.now();
    await tx.run(INSERT_PAYMENT, {
      id,
      order_id: order.id,
      customer_id: order.customer_id,
      school_id: order.school_id,
      payment_method_id: input.payment_method_id ?? null,
      method,
      amount: due,
      currency: order.currency,
      capture_mode: input.capture ?? 'auto',
      gateway_payment_id: null,
      device_id: input.device_id ?? null,
      ip: input.ip ?? input.request_ip ?? null,
      referer: input.referer ?? null,
      user_agent: input.user_agent ?? null,
      at,
    });
    await advanceOrder(tx, order.id, 'attempted', at);
    if (unsent !== null) {
      await tx.run(MARK_PAYMENT_FAILED, {
        id,
        from: 'created',
        code: unsent.code,
        description: unsent.description,
        at,
      });
    } else if (verdict?.decision === 'block') {
      await tx.run(MARK_PAYMENT_FAILED, {
        id,
        from: 'created',
        code: PAYMENT_BLOCKED,
        description: `blocked by the fraud screen (decision ${verdict.decision_id})`,
        at,
      });
    } else if (verdict?.decision === 'review') {
      await tx.run(HOLD_PAYMENT, { id, at, from: 'created' });
      await tx.run(INSERT_HOLD, {
        id,
        reason: 'fraud_review',
        decision_id: verdict.decision_id,
        vpa: null,
        at,
      });
    }
    await recovery?.reached(tx, PAYMENT_CREATED, id);
    return { order, amount: due, instrument, customer, method, at, noPayer };
  });
  deps.kill?.at(PAYMENT_CREATED);
  const attempt: PaymentAttempt = {
    id,
    customer_id: prepared.order.customer_id,
    school_id: prepared.order.school_id,
    amount: prepared.amount,
    currency: prepared.order.currency,
    method: prepared.method,
    method_fingerprint: input.payment_method_id ?? null,
    device_id: input.device_id ?? null,
    ip: input.ip ?? input.request_ip ?? null,
    at: prepared.at,
  };
  risk?.onAttempt(attempt);
  deps.metrics?.paymentAttempted(prepared.method);
  if (prepared.noPayer) {
    const failed = await deps.db.one<Payment>(PAYMENT_BY_ID, { id });
    if (failed === undefined) throw new Error(`payment ${id} vanished`);
    risk?.onFailure(id, prepared.at);
    deps.metrics?.paymentFailed(prepared.method, 'declined');
    return failed;
  }
  if (verdict !== null && verdict.decision !== 'allow') {
    const held = await deps.db.one<Payment>(PAYMENT_BY_ID, { id });
    if (held === undefined) throw new Error(`payment ${id} vanished`);
    if (verdict.decision === 'block') {
      risk?.onFailure(id, prepared.at);
      deps.metrics?.paymentFailed(prepared.method, 'blocked');
      throw new AppError(
        'invalid',
        PAYMENT_BLOCKED,
        'the payment was refused by the fraud screen; nothing was charged',
        {
          extra: {
            payment_id: id,
            decision_id: verdict.decision_id,
            score: verdict.score,
            reasons: verdict.reasons,
            rule_hits: verdict.rule_hits,
          },
        },
      );
    }
    await risk?.onHeld(held, verdict);
    return held;
  }
  const { noPayer: _, instrument, ...charge } = prepared;
  if (instrument === null) throw new Error(`payment ${id} has no instrument`);
  return chargeCreatedPayment(deps, { id, ...charge, instrument, capture: input.capture ?? 'auto' }, recovery);
}

/** `PAYER_OF_PAYMENT`: the payer's browser kept on a payment, and its customer's gateway customer. */
interface KeptPayer {
  ip: string | null;
  referer: string | null;
  user_agent: string | null;
  gateway_customer_id: string | null;
}

/** `PAYMENT_PRECONDITIONS`: null where there is nothing (no plan, no saved method, …). */
interface Preconditions {
  plan_id: string | null;
  /** What the installment orders of the order's plans captured (0 without a plan). */
  installments_captured: number;
  closed_installment_id: string | null;
  closed_installment_status: string | null;
  in_flight_id: string | null;
  in_flight_status: string | null;
  method_customer_id: string | null;
  method_type: string | null;
  method_gateway_token: string | null;
  method_status: string | null;
  customer_email: string | null;
  customer_phone: string | null;
  customer_gateway_id: string | null;
}

/** The gateway instrument of a request: the customer's saved method (its token), or a UPI intent. */
async function instrumentFor(
  tx: Sql,
  input: CreatePaymentInput,
  customerId: string,
  gatewayCustomerId: string | null,
): Promise<{ instrument: Instrument | null; method: string }> {
  const pm =
    input.payment_method_id === undefined
      ? undefined
      : await tx.one<SavedMethod>(INSTRUMENT_BY_ID, { id: input.payment_method_id });
  return instrumentOf(input, pm, customerId, gatewayCustomerId);
}

/** `instrumentFor` on the saved method already read (undefined: none, or none live); null: a plain VPA (collect). */
function instrumentOf(
  input: CreatePaymentInput,
  pm: SavedMethod | undefined,
  customerId: string,
  gatewayCustomerId: string | null,
): { instrument: Instrument | null; method: string } {
  if (input.payment_method_id === undefined) {
    return {
      method: 'upi',
      instrument: { kind: 'upi_intent', customerId, gatewayCustomerId, payer: payerOf(input) },
    };
  }
  if (pm === undefined || pm.customer_id !== customerId) {
    throw invalid('unknown_payment_method', 'no such payment method for this customer', [
      {
        field: '/payment_method_id',
        code: 'unknown_payment_method',
        message: "not one of this customer's methods",
      },
    ]);
  }
  return { method: pm.type, instrument: savedInstrument(pm) };
}

/**
 * A retry of a request that stopped after writing its payment (a crash, or a 5xx). Whatever the payment became
 * since is the answer; a payment still `created` or `unknown` may have reached the gateway, so it is looked up
 * there by its kosh id first and adopted if found; a `created` one the gateway never saw is charged now, with the
 * same id. Never a second payment, never a 409 about the request's own payment. A UPI intent whose answer was lost
 * (kosh died between Razorpay's answer and `recordUpiIntent`) is found `created` and answered without its link:
 * Razorpay's payment entity does not carry it, so the parent cannot pay that one; it expires at the gateway, fails by
 * its webhook or the resolver, and the order can then be paid again.
 */
async function resumePayment(
  deps: Deps,
  id: string,
  input: CreatePaymentInput,
  recovery: Recovery | undefined,
): Promise<Payment> {
  const payment = await deps.db.one<Payment>(PAYMENT_BY_ID, { id });
  if (payment === undefined) throw new Error(`payment ${id} of a resumed request is missing`);
  if (payment.status !== 'created' && payment.status !== 'unknown') return payment;
  const gatewayOrderId = await ensureGatewayOrder(deps, payment.order_id);
  let found = await deps.gateway.findPayment(gatewayOrderId, id);
  if (found !== null) {
    if (found.status === 'authorized' && payment.capture_mode === 'auto') {
      found = await deps.gateway.capturePayment(found.id, found.amount, found.currency);
    }
    return recordGatewayPayment(deps, id, found, payment.method, recovery);
  }
  if (payment.status === 'unknown') {
    throw new AppError('unavailable', 'payment_outcome_unknown', 'the gateway has not shown this payment yet', {
      extra: { payment_id: id },
    });
  }
  const order = { id: payment.order_id, currency: payment.currency };
  const { instrument, customer, method } = await deps.db.transaction(async (tx) => {
    // The payer's browser as the first request gave it, kept on the payment.
    const kept = await tx.one<KeptPayer>(PAYER_OF_PAYMENT, { id });
    const payer = {
      ip: kept?.ip ?? undefined,
      referer: kept?.referer ?? undefined,
      user_agent: kept?.user_agent ?? undefined,
    };
    return {
      ...(await instrumentFor(tx, { ...input, ...payer }, payment.customer_id, kept?.gateway_customer_id ?? null)),
      customer: await tx.one<{ email: string; phone: string }>(CUSTOMER_CONTACT, { id: payment.customer_id }),
    };
  });
  if (instrument === null) throw collectUnavailable('/payment_method_id');
  return chargeCreatedPayment(
    deps,
    {
      id,
      order,
      amount: payment.amount,
      instrument,
      customer,
      capture: payment.capture_mode,
      method: method ?? payment.method,
    },
    recovery,
  );
}

/** The gateway's answer recorded through `applyGatewayPayment` (ledger included), with the request's recovery point. */
async function recordGatewayPayment(
  deps: Deps,
  id: string,
  gatewayPayment: GatewayPayment,
  method: string,
  recovery: Recovery | undefined,
): Promise<Payment> {
  const { payment } = await deps.db.transaction(async (tx) => {
    const applied = await applyGatewayPayment(tx, id, gatewayPayment, deps.clock.now());
    await recovery?.reached(tx, PAYMENT_CHARGED, id);
    return applied;
  });
  if (payment.status === 'failed') deps.paymentRisk?.onFailure(id, payment.failed_at ?? deps.clock.now());
  if (payment.status === 'failed') deps.metrics?.paymentFailed(method, 'declined');
  else if (payment.status === 'authorized' || payment.status === 'captured') deps.metrics?.paymentSucceeded(method);
  return payment;
}

/**
 * Screens an attempt before anything is written. The order is read here only to describe the attempt; the
 * transaction re-checks everything, so a screened attempt the order then refuses changes nothing.
 */
async function screenAttempt(
  deps: Deps,
  risk: PaymentRisk,
  id: string,
  input: CreatePaymentInput,
): Promise<ScreenVerdict | null> {
  const order = await deps.db.one<{
    customer_id: string;
    school_id: string;
    amount_minor: number;
    currency: string;
    status: string;
    method_type: string | null;
    has_contact: boolean | null;
  }>(ATTEMPT_TO_SCREEN, { order_id: input.order_id, payment_method_id: input.payment_method_id ?? null });
  // What the transaction will refuse (no order, a paid one, a method that is not the customer's) is not screened:
  // a refused request leaves no decision behind.
  if (order === undefined || order.status === 'paid') return null;
  if (input.payment_method_id !== undefined && order.method_type === null) return null;
  if (order.has_contact !== true) return null;
  const method = input.payment_method_id === undefined ? 'upi' : (order.method_type ?? 'card');
  return risk.screen({
    id,
    customer_id: order.customer_id,
    school_id: order.school_id,
    amount: order.amount_minor,
    currency: order.currency,
    method,
    method_fingerprint: input.payment_method_id ?? null,
    device_id: input.device_id ?? null,
    ip: input.ip ?? null,
    at: deps.clock.now(),
  });
}

/**
 * The gateway half of a payment whose local row is `created`: charge keyed by the payment id, then apply the
 * outcome. Used at creation and when a held payment is approved.
 */
export async function chargeCreatedPayment(
  deps: Deps,
  prepared: {
    id: string;
    /** The order, or (from the transaction that wrote the payment) its row, which spares a read of its gateway order. */
    order: { id: string; currency: string } | OrderForGateway;
    /** What is charged: the order's amount, less what a cancelled installment plan captured. */
    amount: number;
    instrument: Instrument;
    customer: { email: string; phone: string } | undefined;
    capture: 'auto' | 'manual';
    /** card | upi | …, for the metrics; a released hold passes its payment's. */
    method: string;
  },
  recovery?: Recovery,
): Promise<Payment> {
  const id = prepared.id;
  const gatewayOrderId = await ensureGatewayOrderFor(
    deps,
    'gateway_order_id' in prepared.order ? prepared.order : prepared.order.id,
    prepared.amount,
  );
  const instrument = prepared.instrument;
  let gatewayPayment: GatewayPayment | null = null;
  let intent: UpiIntent | null = null;
  try {
    const common = {
      orderId: gatewayOrderId,
      amount: prepared.amount,
      currency: prepared.order.currency,
      idempotencyKey: id,
      email: prepared.customer?.email ?? '',
      contact: prepared.customer?.phone ?? '',
    };
    const customerId = await gatewayCustomerOf(deps, instrument);
    if (instrument.kind === 'upi_intent') {
      // The last guard: callers refuse an intent without the payer's browser before writing anything.
      if (instrument.payer === null) throw payerRequired({});
      intent = await deps.gateway.createUpiIntent({
        ...common,
        customerId,
        payer: instrument.payer,
        expiryMinutes: UPI_INTENT_MINUTES,
      });
    } else {
      gatewayPayment = await deps.gateway.createPayment({
        ...common,
        instrument: { kind: 'token', token: instrument.token, customerId },
        capture: prepared.capture,
      });
    }
  } catch (caught) {
    const err = caught;
    if (err instanceof AppError && err.kind === 'provider') {
      // The gateway refused the request outright: no money moved, so the attempt is recorded as failed.
      await deps.db.transaction((tx) =>
        tx.run(MARK_PAYMENT_FAILED, {
          id,
          from: 'created',
          code: err.code,
          description: err.message,
          at: deps.clock.now(),
        }),
      );
      deps.paymentRisk?.onFailure(id, deps.clock.now());
      deps.metrics?.paymentFailed(prepared.method, 'declined');
    }
    if (err instanceof AppError && err.kind === 'unavailable') {
      // The request may have reached the gateway: the outcome is unknown until it is looked up by `id`.
      await deps.db.transaction((tx) =>
        tx.run(MARK_PAYMENT_UNKNOWN, { id, code: err.code, description: err.message, at: deps.clock.now() }),
      );
      deps.log.warn({ payment_id: id, err: err.message }, 'gateway payment outcome unknown');
      throw new AppError(
        'unavailable',
        'payment_outcome_unknown',
        'the gateway did not answer; the payment will be resolved',
        {
          extra: { payment_id: id },
          cause: err,
        },
      );
    }
    deps.log.warn(
      { payment_id: id, err: err instanceof Error ? err.message : String(err) },
      'gateway payment call failed',
    );
    throw err;
  }
  deps.kill?.at('gateway_charged');
  if (intent !== null) return recordUpiIntent(deps, id, intent, recovery);
  if (gatewayPayment === null) throw new Error(`payment ${id}: the gateway answered nothing`);
  return recordGatewayPayment(deps, id, gatewayPayment, prepared.method, recovery);
}

/**
 * A UPI intent the gateway made: the payment stays `created` (sent, awaiting the parent) and keeps the gateway
 * payment id, the link and when it expires, with the request's recovery point, so a retry under the same
 * Idempotency-Key answers the same payment and link. The outcome arrives by the `payment.*` webhooks (an auto-capture
 * payment is captured once authorised: see webhook-inbox.ts) or by the resolver's polling.
 */
async function recordUpiIntent(
  deps: Deps,
  id: string,
  intent: UpiIntent,
  recovery: Recovery | undefined,
): Promise<Payment> {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const payment = await tx.one<Payment>(SET_UPI_INTENT, {
      id,
      gateway_payment_id: intent.paymentId,
      upi_link: intent.link,
      expires_at: new Date(at.getTime() + UPI_INTENT_MINUTES * 60_000),
      at,
    });
    if (payment === undefined) throw new Error(`payment ${id} vanished`);
    await recovery?.reached(tx, PAYMENT_CHARGED, id);
    return payment;
  });
}
