import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { istDate } from '../../platform/ist.js';
import type { Log } from '../../platform/log.js';
import type { GatewayPaymentLink, PaymentGateway } from '../gateway/port.js';
import { RECORD_FOR_LINK, STORE_PAYMENT_LINK } from './repository.js';

interface RecordForLink {
  id: string;
  status: string;
  amount: number;
  currency: string;
  period_start: Date;
  period_end: Date;
  payment_link_id: string | null;
  payment_link_url: string | null;
  payment_link_status: string | null;
  name: string;
  email: string;
  phone: string;
  plan_name: string | null;
}

export interface OfferedLink {
  readonly id: string;
  readonly url: string;
  readonly status: string;
}

/**
 * Offers the parent an on-session Razorpay payment link for a failed billing record kosh may not or cannot debit
 * off-session (above ₹15,000, or after a hard decline), once: the link is keyed by the record id (Razorpay
 * `reference_id`, which it keeps unique, so a retry after a crash finds the first link) and stored on the record
 * under `payment_link_id IS NULL`. Returns the record's link, or null when nothing is due any more.
 */
export async function offerPaymentLink(
  deps: { db: Db; gateway: PaymentGateway; clock: Clock; log: Log },
  billingRecordId: string,
): Promise<OfferedLink | null> {
  const record = await deps.db.one<RecordForLink>(RECORD_FOR_LINK, { id: billingRecordId });
  if (record === undefined) throw notFound('billing_record', billingRecordId);
  if (record.payment_link_id !== null && record.payment_link_url !== null) {
    return {
      id: record.payment_link_id,
      url: record.payment_link_url,
      status: record.payment_link_status ?? 'created',
    };
  }
  if (record.status !== 'failed') return null;
  const link = await deps.gateway.createPaymentLink({
    referenceId: record.id,
    amount: record.amount,
    currency: record.currency,
    description: `${record.plan_name ?? 'Meal plan'}, ${istDate(record.period_start)} to ${istDate(record.period_end)}`,
    customer: { name: record.name, email: record.email, contact: record.phone },
    expireBy: null,
  });
  const stored = await deps.db.run(STORE_PAYMENT_LINK, {
    id: record.id,
    link_id: link.id,
    url: link.shortUrl,
    status: link.status,
    now: deps.clock.now(),
  });
  if (stored === 1) return { id: link.id, url: link.shortUrl, status: link.status };
  // The record was paid (or given up) while the link was made: the link must not take a second payment.
  await cancelQuietly(deps, link);
  return null;
}

async function cancelQuietly(deps: { gateway: PaymentGateway; log: Log }, link: GatewayPaymentLink): Promise<void> {
  try {
    await deps.gateway.cancelPaymentLink(link.id);
  } catch (err) {
    deps.log.warn({ err, payment_link: link.id }, 'billing: cancelling an unneeded payment link failed');
  }
}
