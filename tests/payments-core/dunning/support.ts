import { runBilling } from '../../../payments-core/billing/run-billing.js';
import { runDunning } from '../../../payments-core/dunning/run-dunning.js';
import type { DunningPolicy } from '../../../payments-core/dunning/types.js';
import type { Clock } from '../../../platform/clock.js';
import { createLog } from '../../../platform/log.js';
import { type Harness, saveCard, seedParent } from '../../support/harness.js';

export const HARD_CARD = '4000000000000002'; // card_declined (hard)
export const SOFT_CARD = '4000000000009995'; // insufficient_funds (soft)
export const DAY = 86_400_000;
const log = createLog({ level: 'silent' });

export const PLAN = {
  name: 'School lunch',
  interval: 'monthly',
  amount: 300_000,
  per_unit: true,
  unit_label: 'student',
  tax_category: 'gst_exempt_school_meals',
  // Renewals billed at the period's end: the dunning schedule is read from RENEWAL_AT.
  billing_timing: 'in_arrears',
};

/** 1 November 2026 00:30 IST: the first monthly period ends 1 December 00:00 IST (30 Nov 18:30 UTC). */
export const START = '2026-10-31T19:00:00Z';
/** An hour after that period ended: the billing run bills it. */
export const RENEWAL_AT = new Date('2026-11-30T19:30:00Z');

export const POLICY: DunningPolicy = {
  scheduleDays: [1, 3, 5, 7],
  finalAction: 'cancel',
  publicUrl: 'https://pay.kosh.test',
};

/** A parent on a monthly plan paying with `card`, the subscription created in the past. */
export async function subscribedParent(
  h: Harness,
  planId: string,
  card: string,
): Promise<{ customerId: string; methodId: string; subscriptionId: string }> {
  const parent = await seedParent(h, card);
  const sub = await h.api('POST', '/v1/subscriptions', {
    customer_id: parent.customerId,
    plan_id: planId,
    quantity: 1,
    payment_method_id: parent.methodId,
    start_at: START,
  });
  if (sub.status !== 201) throw new Error(`subscription: ${JSON.stringify(sub.body)}`);
  return { customerId: parent.customerId, methodId: parent.methodId, subscriptionId: sub.body.id };
}

export { saveCard };

export function billing(h: Harness, clock: Clock) {
  return runBilling({ db: h.db, clock, gateway: h.gateway, log }, { now: clock.now() });
}

export function dunning(h: Harness, clock: Clock, policy: DunningPolicy = POLICY) {
  return runDunning({ db: h.db, clock, gateway: h.gateway, log, dunning: policy }, { now: clock.now() });
}

export async function caseOf(h: Harness, subscriptionId: string) {
  const list = await h.api('GET', `/v1/dunning/cases?subscription_id=${subscriptionId}`);
  const first = list.body.data[0];
  if (first === undefined) return undefined;
  return (await h.api('GET', `/v1/dunning/cases/${first.id}`)).body;
}

export async function emailsOf(h: Harness, caseId: string) {
  return h.db.all<{ kind: string; dedupe_key: string; subject: string; text_body: string; to_address: string }>(
    "SELECT kind, dedupe_key, subject, text_body, to_address FROM email_outbox WHERE ref_type = 'dunning_case' AND ref_id = $id ORDER BY created_at, dedupe_key",
    { id: caseId },
  );
}

/** The update link in an email's text. */
export function linkIn(text: string): string {
  const m = /https:\/\/pay\.kosh\.test(\/billing\/update-method\/[A-Za-z0-9_-]+)/.exec(text);
  if (m?.[1] === undefined) throw new Error(`no link in: ${text}`);
  return m[1];
}

export async function gatewayCharges(h: Harness, subscriptionId: string): Promise<number> {
  const row = await h.db.one<{ n: number }>(
    `SELECT count(*)::BIGINT AS n FROM payments p JOIN billing_records b ON b.order_id = p.order_id
     WHERE b.subscription_id = $id AND p.gateway_payment_id IS NOT NULL`,
    { id: subscriptionId },
  );
  return row?.n ?? 0;
}
