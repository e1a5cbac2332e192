import { type TSchema, Type } from '@sinclair/typebox';

/** TypeBox is the one schema language; these shapes are the API contract, published at /openapi.json. */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/** Domain rows carry Dates; the preSerialization hook turns them into ISO-8601 strings. */
export const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const NullableTimestamp = Nullable(Timestamp);
/** An id kosh issued: `<prefix>_` then letters, digits and underscores (billing derives `ord_bil_<record>_<n>`). */
export const Id = (prefix: string) =>
  Type.String({ minLength: 3, maxLength: 64, pattern: `^${prefix}_[A-Za-z0-9][A-Za-z0-9_]*$` });
/** A payment id: `pay_…`, or `bill_…` for a billing run's charge (its gateway key, derived from the record). */
export const PaymentId = Type.String({ minLength: 3, maxLength: 64, pattern: '^(pay|bill)_[A-Za-z0-9][A-Za-z0-9_]*$' });
export const Amount = Type.Integer({
  minimum: 100,
  maximum: 100_000_000_00,
  description: 'Amount in paise (₹1 = 100)',
});

export const FieldErrorSchema = Type.Object({
  field: Type.String(),
  code: Type.String(),
  message: Type.String(),
});

/** RFC 9457 problem details, with kosh's stable `code` and field-level `errors`. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.String(),
    code: Type.String(),
    errors: Type.Optional(Type.Array(FieldErrorSchema)),
  },
  { $id: 'Problem', additionalProperties: true },
);

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'How many items, 1–100' })),
  starting_after: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'The id of the last item of the previous page; the list goes on after it (422 for an unknown id)',
    }),
  ),
};

export const pageOf = <T extends TSchema>(item: T) =>
  Type.Object({ object: Type.Literal('list'), data: Type.Array(item), has_more: Type.Boolean() });

const problemRef = (description?: string) => Type.Ref(ProblemSchema, description === undefined ? {} : { description });

/**
 * Every route declares its success schema; errors share the problem schema. `errors` names the statuses the use case
 * answers beyond those the reference infers from the route (400, 401, 403, 404, 429, 500…) and says when.
 */
export function responses<T extends Record<number, TSchema>>(ok: T, errors: Readonly<Record<number, string>> = {}) {
  const declared: Record<number, ReturnType<typeof problemRef>> = {};
  for (const [status, description] of Object.entries(errors)) {
    declared[Number(status)] = problemRef(description);
  }
  return { ...ok, ...declared, '4xx': problemRef(), '5xx': problemRef() };
}

export const SchoolSchema = Type.Object({
  object: Type.Literal('school'),
  id: Type.String(),
  name: Type.String(),
  city: Type.String(),
  state_code: Type.String(),
  gstin: Nullable(Type.String()),
  created_at: Timestamp,
});

export const CustomerSchema = Type.Object({
  object: Type.Literal('customer'),
  id: Type.String(),
  school_id: Type.String(),
  name: Type.String(),
  email: Type.String(),
  phone: Type.String(),
  state_code: Type.String(),
  gstin: Nullable(Type.String()),
  test_clock: Nullable(Type.String()),
  created_at: Timestamp,
});

export const PaymentMethodSchema = Type.Object({
  object: Type.Literal('payment_method'),
  id: Type.String(),
  customer_id: Type.String(),
  type: Type.Union([Type.Literal('card'), Type.Literal('upi'), Type.Literal('netbanking'), Type.Literal('wallet')]),
  card_network: Nullable(Type.String()),
  card_last4: Nullable(Type.String()),
  card_exp_month: Nullable(Type.Integer()),
  card_exp_year: Nullable(Type.Integer()),
  upi_vpa_masked: Nullable(Type.String()),
  bank: Nullable(Type.String()),
  wallet: Nullable(Type.String()),
  mandate_type: Nullable(Type.Union([Type.Literal('upi_autopay'), Type.Literal('emandate')])),
  status: Type.Union(
    [
      Type.Literal('pending'),
      Type.Literal('active'),
      Type.Literal('rejected'),
      Type.Literal('paused'),
      Type.Literal('cancelled'),
      Type.Literal('expired'),
    ],
    {
      description:
        'pending: a UPI AutoPay mandate or an e-mandate awaiting the customer (or, for an e-mandate, the bank); paused / cancelled: the parent paused or revoked the mandate in their UPI app (token.paused, token.cancelled); expired: an e-mandate whose registration link expired unused; only active methods are charged',
    },
  ),
  mandate_max_amount: Nullable(Type.Integer({ description: 'paise: the most one debit on the mandate may take' })),
  mandate_frequency: Nullable(Type.Union([Type.Literal('as_presented'), Type.Literal('monthly')])),
  mandate_expires_at: Nullable(Timestamp),
  bank_account_last4: Nullable(Type.String({ description: "an e-mandate's bank account: its last 4 digits only" })),
  bank_ifsc: Nullable(Type.String()),
  mandate_auth_type: Nullable(
    Type.Union([
      Type.Literal('netbanking'),
      Type.Literal('debitcard'),
      Type.Literal('aadhaar'),
      Type.Literal('physical'),
    ]),
  ),
  registration_url: Nullable(
    Type.String({ description: "a pending e-mandate's registration link: the parent authorises the mandate there" }),
  ),
  registration_expires_at: Nullable(Timestamp),
  nach_form_url: Nullable(
    Type.String({ description: 'paper NACH: the prefilled form to print, sign and upload at registration_url' }),
  ),
  is_default: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const OrderSchema = Type.Object({
  object: Type.Literal('order'),
  id: Type.String(),
  customer_id: Type.String(),
  school_id: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  status: Type.Union([Type.Literal('created'), Type.Literal('attempted'), Type.Literal('paid')]),
  description: Nullable(Type.String()),
  gateway_order_id: Nullable(Type.String()),
  amount_paid: Type.Integer({ description: 'Captured on this order, plus on the installment orders of its plans' }),
  installment_plan_id: Nullable(Type.String({ description: 'The live installment plan splitting this order' })),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const PaymentStatusSchema = Type.Union([
  Type.Literal('on_hold'),
  Type.Literal('created'),
  Type.Literal('unknown'),
  Type.Literal('authorized'),
  Type.Literal('captured'),
  Type.Literal('failed'),
]);

/** A Razorpay payment link's status, as kosh last saw it (the gateway port's `GatewayPaymentLinkStatus`). */
export const PaymentLinkStatusSchema = Type.Union([
  Type.Literal('created'),
  Type.Literal('partially_paid'),
  Type.Literal('paid'),
  Type.Literal('cancelled'),
  Type.Literal('expired'),
]);

export const PaymentSchema = Type.Object({
  object: Type.Literal('payment'),
  id: Type.String(),
  order_id: Type.String(),
  customer_id: Type.String(),
  school_id: Type.String(),
  payment_method_id: Nullable(Type.String()),
  method: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  status: PaymentStatusSchema,
  capture_mode: Type.Union([Type.Literal('auto'), Type.Literal('manual')]),
  amount_captured: Type.Integer(),
  amount_refunded: Type.Integer(),
  fee: Nullable(Type.Integer()),
  tax: Nullable(Type.Integer()),
  gateway_payment_id: Nullable(Type.String()),
  error_code: Nullable(Type.String()),
  error_reason: Nullable(Type.String()),
  error_description: Nullable(Type.String()),
  upi_link: Nullable(
    Type.String({
      description:
        'A UPI intent payment: the `upi://pay` link the parent opens in their UPI app (or scans as a QR), unchanged; null otherwise',
    }),
  ),
  upi_link_expires_at: NullableTimestamp,
  created_at: Timestamp,
  authorized_at: NullableTimestamp,
  captured_at: NullableTimestamp,
  failed_at: NullableTimestamp,
});

export const RefundSchema = Type.Object({
  object: Type.Literal('refund'),
  id: Type.String(),
  payment_id: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('processed'), Type.Literal('failed')]),
  reason: Nullable(Type.String()),
  gateway_refund_id: Nullable(Type.String()),
  created_at: Timestamp,
  processed_at: NullableTimestamp,
  failed_at: NullableTimestamp,
});

export const DisputeSchema = Type.Object({
  object: Type.Literal('dispute'),
  id: Type.String(),
  gateway_dispute_id: Type.String(),
  payment_id: Type.String(),
  amount: Type.Integer({ description: 'Disputed amount in paise' }),
  amount_deducted: Type.Integer({ description: 'What the gateway deducted (paise): 0 until the dispute is lost' }),
  currency: Type.String(),
  reason_code: Type.String(),
  reason_description: Nullable(Type.String()),
  phase: Type.Union(['fraud', 'retrieval', 'chargeback', 'pre_arbitration', 'arbitration'].map((p) => Type.Literal(p))),
  status: Type.Union(['open', 'under_review', 'won', 'lost', 'closed'].map((s) => Type.Literal(s))),
  respond_by: NullableTimestamp,
  evidence_summary: Nullable(Type.String()),
  journal_entry_id: Nullable(Type.String({ description: 'The loss entry, once the dispute is lost' })),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const WebhookStatusSchema = Type.Union([
  Type.Literal('received'),
  Type.Literal('applied'),
  Type.Literal('unmatched'),
  Type.Literal('failed'),
  Type.Literal('duplicate'),
  Type.Literal('stored'),
]);

export const WebhookEventSchema = Type.Object({
  object: Type.Literal('webhook_event'),
  id: Type.String(),
  provider: Type.String(),
  event_id: Type.String(),
  event_type: Type.String(),
  entity_id: Nullable(Type.String()),
  status: WebhookStatusSchema,
  attempts: Type.Integer(),
  last_error: Nullable(Type.String()),
  received_at: Timestamp,
  applied_at: NullableTimestamp,
});

export const LedgerBalancesSchema = Type.Object({
  accounts: Type.Array(
    Type.Object({ account: Type.String(), currency: Type.String(), balance: Type.Integer(), lines: Type.Integer() }),
  ),
  totals: Type.Array(Type.Object({ currency: Type.String(), total: Type.Integer() })),
  balanced: Type.Boolean(),
  unbalanced_entries: Type.Array(Type.String()),
});

/** The `If-Match` header of an edit (optimistic concurrency, RFC 9110 §13.1.1). */
export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 1000,
      description:
        'An `ETag` from a read or an earlier write of this record: when the record has changed since, the write is refused with 412 `precondition_failed` and changes nothing. Without it the write goes ahead as before.',
    }),
  ),
});
/** What an edit answers when its If-Match no longer matches. */
export const PRECONDITION_FAILED = { 412: 'The record changed since the `If-Match` ETag (`precondition_failed`)' };
