import { createCreditNote } from '../invoices/create-credit-note.js';
import type { DraftInvoiceLine } from '../invoices/draft-lines.js';
import { createRefund } from '../refunds/create-refund.js';
import { settleCharges } from '../subscriptions/settle-charges.js';
import {
  CANCEL_CREDITS_DUE,
  CREDIT_NOTE_BY_MEMO,
  PENDING_CHARGES_OF,
  REFUND_OF_CREDIT,
  REFUNDABLE,
} from './repository.js';
import type { BillingDeps } from './types.js';

const CREDITABLE = ['finalized', 'paid', 'partially_paid', 'uncollectible'];

interface Due {
  subscription_id: string;
  period_index: number;
  record_id: string;
  invoice_id: string;
  payment_id: string | null;
  invoice_status: string;
}

/**
 * Gives back the unused days of in-advance periods cancelled now: per subscription, a credit note against the
 * period's invoice for its pending credits (one line per GST rate, so each reverses the tax it was charged
 * with), then a refund of that amount when the period was paid, then the charges are marked settled. Each step
 * is found again by its memo / reason before it is made, so a rerun after a crash neither credits nor refunds
 * twice. A draft invoice waits for its finalisation; pending charges that would need a positive line at some
 * rate are left for an operator (logged).
 */
export async function settleCancelCredits(
  deps: BillingDeps,
  limit = 500,
  testClock: string | null = null,
): Promise<{ credited: number }> {
  let credited = 0;
  for (const due of await deps.db.all<Due>(CANCEL_CREDITS_DUE, { limit, test_clock: testClock })) {
    if (!CREDITABLE.includes(due.invoice_status)) continue;
    const charges = await deps.db.all<{
      id: string;
      description: string;
      amount_minor: number;
      tax_category: 'gst' | 'gst_exempt_school_meals';
      gst_rate_bp: number | null;
    }>(PENDING_CHARGES_OF, { id: due.subscription_id });
    const memo = `Unused days of ${due.subscription_id}, period ${due.period_index}, cancelled`;
    let note = await deps.db.one<{ id: string; total_minor: number }>(CREDIT_NOTE_BY_MEMO, {
      invoice_id: due.invoice_id,
      memo,
    });
    if (note === undefined) {
      const groups = new Map<string, DraftInvoiceLine & { descriptions: string[] }>();
      for (const c of charges) {
        const key = `${c.tax_category}:${c.gst_rate_bp ?? ''}`;
        const g = groups.get(key) ?? {
          description: '',
          descriptions: [],
          quantity: 1,
          unitAmountMinor: 0,
          amountMinor: 0,
          taxCategory: c.tax_category,
          gstRateBp: c.tax_category === 'gst' ? c.gst_rate_bp : null,
        };
        groups.set(key, {
          ...g,
          descriptions: [...g.descriptions, c.description],
          unitAmountMinor: g.unitAmountMinor - c.amount_minor,
          amountMinor: g.amountMinor - c.amount_minor,
        });
      }
      const lines = [...groups.values()];
      if (lines.some((l) => l.amountMinor < 0)) {
        deps.log.warn({ subscription: due.subscription_id }, 'cancel credit nets to a charge at one GST rate: left');
        continue;
      }
      const made = await createCreditNote({ db: deps.db, clock: deps.clock, log: deps.log }, due.invoice_id, {
        lines: lines
          .filter((l) => l.amountMinor > 0)
          .map(({ descriptions, ...l }) => ({ ...l, description: descriptions.join('; ') })),
        reason: 'order_change',
        memo,
      });
      note = { id: made.id, total_minor: made.total };
    }
    const refundable =
      due.payment_id === null
        ? undefined
        : await deps.db.one<{ refundable: number }>(REFUNDABLE, { id: due.payment_id });
    const amount = Math.min(note.total_minor, refundable?.refundable ?? 0);
    if (due.payment_id !== null && amount > 0) {
      const made = await deps.db.one(REFUND_OF_CREDIT, { payment_id: due.payment_id, reason: memo });
      if (made === undefined) {
        await createRefund(deps, { payment_id: due.payment_id, amount, reason: memo });
      }
    }
    await deps.db.transaction((tx) =>
      settleCharges(
        tx,
        due.subscription_id,
        charges.map((c) => c.id),
        due.record_id,
      ),
    );
    credited++;
  }
  return { credited };
}
