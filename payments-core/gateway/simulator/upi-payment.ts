/**
 * A new UPI payment on an order, `created`, as Razorpay's payment entity shows one
 * (https://razorpay.com/docs/api/payments/entity; tests/fixtures/razorpay-contract/payments.json): shared by the
 * one-time intent (upi-intents.ts) and the AutoPay registration and debits (upi-autopay.ts). The amount must be what
 * the order still asks; a paid order is refused; the order counts the attempt.
 */

type Json = Record<string, unknown>;

export type SimPayment = Json & { id: string; amount: number; status: string; order_id: string; currency: string };

/** The order fields a payment on it needs. */
export interface PayableOrder extends Json {
  id: string;
  amount: number;
  amount_paid: number;
  currency: string;
  status: string;
  attempts: number;
}

export interface UpiPaymentDeps {
  readonly id: (prefix: string) => string;
  /** Entity timestamps (unix seconds). */
  readonly now: () => number;
  readonly badRequest: (description: string, field?: string) => Error;
  readonly notes: (notes: unknown) => Json | unknown[];
  readonly integer: (v: unknown) => number | undefined;
}

export function newUpiPayment(
  deps: UpiPaymentDeps,
  order: PayableOrder,
  body: Json,
  own: {
    readonly description: string | null;
    readonly vpa: string | null;
    readonly customer_id: string | null;
    readonly token_id: string | null;
    readonly recurring: boolean;
  },
): SimPayment {
  const amount = body['amount'] === undefined ? order.amount : deps.integer(body['amount']);
  if (amount === undefined || amount <= 0 || amount !== order.amount - order.amount_paid) {
    throw deps.badRequest('Amount should be equal to the order amount', 'amount');
  }
  if (order.status === 'paid') throw deps.badRequest('Order has already been paid', 'order_id');
  order.attempts++;
  order.status = 'attempted';
  return {
    id: deps.id('pay'),
    entity: 'payment',
    amount,
    currency: order.currency,
    status: 'created',
    order_id: order.id,
    invoice_id: null,
    international: false,
    method: 'upi',
    amount_refunded: 0,
    refund_status: null,
    captured: false,
    description: own.description,
    card_id: null,
    bank: null,
    wallet: null,
    vpa: own.vpa,
    email: String(body['email'] ?? ''),
    contact: String(body['contact'] ?? ''),
    customer_id: own.customer_id,
    token_id: own.token_id,
    recurring: own.recurring,
    notes: deps.notes(body['notes']),
    fee: null,
    tax: null,
    error_code: null,
    error_description: null,
    error_source: null,
    error_step: null,
    error_reason: null,
    acquirer_data: {},
    created_at: deps.now(),
  };
}
