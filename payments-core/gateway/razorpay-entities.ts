import type {
  GatewayDispute,
  GatewayOrder,
  GatewayPayment,
  GatewayPaymentLink,
  GatewayRefund,
  GatewaySettlement,
  GatewaySettlementEntry,
} from './port.js';

/**
 * Razorpay JSON entities → port types, tolerant of the documented quirks: `notes` is `[]` when empty and
 * an object otherwise; `captured` may arrive as `true`, `1` or the string `"1"`; numbers may be strings.
 */
type Json = Record<string, unknown>;

export function notesOf(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = String(v);
  return out;
}

export function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 'true';
}

function int(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : 0;
}

function intOrNull(value: unknown): number | null {
  return value === null || value === undefined || value === '' ? null : int(value);
}

function strOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

const PAYMENT_STATUSES = ['created', 'authorized', 'captured', 'refunded', 'failed'] as const;

export function toGatewayPayment(e: Json): GatewayPayment {
  const raw = String(e['status'] ?? 'created');
  const captured = truthy(e['captured']);
  let status = (PAYMENT_STATUSES as readonly string[]).includes(raw) ? (raw as GatewayPayment['status']) : 'created';
  // A payment Razorpay flags as captured is captured, whatever the status string says.
  if (captured && (status === 'authorized' || status === 'created')) status = 'captured';
  return {
    id: String(e['id']),
    orderId: strOrNull(e['order_id']),
    amount: int(e['amount']),
    currency: String(e['currency'] ?? 'INR'),
    status,
    method: String(e['method'] ?? 'card'),
    captured,
    fee: intOrNull(e['fee']),
    tax: intOrNull(e['tax']),
    errorCode: strOrNull(e['error_code']),
    errorReason: strOrNull(e['error_reason']),
    errorDescription: strOrNull(e['error_description']),
    notes: notesOf(e['notes']),
  };
}

export function toGatewayOrder(e: Json): GatewayOrder {
  const raw = String(e['status'] ?? 'created');
  return {
    id: String(e['id']),
    amount: int(e['amount']),
    currency: String(e['currency'] ?? 'INR'),
    receipt: strOrNull(e['receipt']),
    status: raw === 'paid' || raw === 'attempted' ? raw : 'created',
  };
}

export function toGatewayRefund(e: Json): GatewayRefund {
  const raw = String(e['status'] ?? 'pending');
  return {
    id: String(e['id']),
    paymentId: String(e['payment_id'] ?? ''),
    amount: int(e['amount']),
    currency: String(e['currency'] ?? 'INR'),
    receipt: strOrNull(e['receipt']),
    status: raw === 'processed' || raw === 'failed' ? raw : 'pending',
  };
}

export function toGatewayDispute(e: Json): GatewayDispute {
  const evidence = (e['evidence'] ?? null) as Json | null;
  return {
    id: String(e['id']),
    paymentId: String(e['payment_id'] ?? ''),
    amount: int(e['amount']),
    amountDeducted: int(e['amount_deducted']),
    currency: String(e['currency'] ?? 'INR'),
    reasonCode: String(e['reason_code'] ?? ''),
    reasonDescription: strOrNull(e['reason_description']),
    phase: String(e['phase'] ?? ''),
    status: String(e['status'] ?? ''),
    respondBy: intOrNull(e['respond_by']),
    evidenceSummary: evidence === null ? null : strOrNull(evidence['summary']),
    createdAt: int(e['created_at']),
  };
}

export function toGatewaySettlementEntry(e: Json): GatewaySettlementEntry {
  return {
    entityId: String(e['entity_id']),
    type: String(e['type'] ?? ''),
    debit: int(e['debit']),
    credit: int(e['credit']),
    amount: int(e['amount']),
    currency: String(e['currency'] ?? 'INR'),
    fee: int(e['fee']),
    tax: int(e['tax']),
    onHold: truthy(e['on_hold']),
    settled: truthy(e['settled']),
    createdAt: int(e['created_at']),
    settledAt: intOrNull(e['settled_at']),
    settlementId: strOrNull(e['settlement_id']),
    settlementUtr: strOrNull(e['settlement_utr']),
    orderId: strOrNull(e['order_id']),
    orderReceipt: strOrNull(e['order_receipt']),
    method: strOrNull(e['method']),
    paymentId: strOrNull(e['payment_id']),
  };
}

/** https://razorpay.com/docs/api/settlements/entity */
export function toGatewaySettlement(e: Json): GatewaySettlement {
  return {
    id: String(e['id']),
    amount: int(e['amount']),
    fees: int(e['fees']),
    tax: int(e['tax']),
    utr: strOrNull(e['utr']),
    status: String(e['status'] ?? ''),
    createdAt: int(e['created_at']),
  };
}

const LINK_STATUSES = ['created', 'partially_paid', 'paid', 'cancelled', 'expired'] as const;

/** A payment link entity (https://razorpay.com/docs/api/payments/payment-links/): `expire_by` 0 means none set. */
export function toGatewayPaymentLink(e: Json): GatewayPaymentLink {
  const raw = String(e['status'] ?? 'created');
  const expireBy = intOrNull(e['expire_by']);
  return {
    id: String(e['id']),
    referenceId: strOrNull(e['reference_id']),
    amount: int(e['amount']),
    amountPaid: int(e['amount_paid']),
    currency: String(e['currency'] ?? 'INR'),
    status: (LINK_STATUSES as readonly string[]).includes(raw) ? (raw as GatewayPaymentLink['status']) : 'created',
    shortUrl: String(e['short_url'] ?? ''),
    orderId: strOrNull(e['order_id']),
    expireBy: expireBy === 0 ? null : expireBy,
  };
}
