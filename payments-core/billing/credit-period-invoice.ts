import { createCreditNote, creditableByRate, rateKey } from '../invoices/create-credit-note.js';
import type { DraftInvoiceLine } from '../invoices/draft-lines.js';
import { createRefund } from '../refunds/create-refund.js';
import {
  CHANGE_INVOICES_OF_PERIOD,
  CREDIT_NOTE_BY_MEMO,
  CREDITED_BY_MEMO,
  REFUND_OF_CREDIT,
  REFUNDABLE,
  STILL_OWED,
} from './repository.js';
import type { BillingDeps } from './types.js';

/** A pending subscription charge as billing credits or bills it. */
export interface PendingCharge {
  readonly id: string;
  readonly description: string;
  readonly amount_minor: number;
  readonly tax_category: 'gst' | 'gst_exempt_school_meals';
  readonly gst_rate_bp: number | null;
}

/** The charges summed per GST category and rate, in first-seen order: one line per rate, descriptions joined. */
export function netPerRate(charges: readonly PendingCharge[]): (DraftInvoiceLine & { ids: string[] })[] {
  const groups = new Map<string, DraftInvoiceLine & { ids: string[]; descriptions: string[] }>();
  for (const c of charges) {
    const key = `${c.tax_category}:${c.gst_rate_bp ?? ''}`;
    const g = groups.get(key) ?? {
      description: '',
      descriptions: [],
      ids: [],
      quantity: 1,
      unitAmountMinor: 0,
      amountMinor: 0,
      taxCategory: c.tax_category,
      gstRateBp: c.tax_category === 'gst' ? c.gst_rate_bp : null,
    };
    groups.set(key, {
      ...g,
      ids: [...g.ids, c.id],
      descriptions: [...g.descriptions, c.description],
      unitAmountMinor: g.unitAmountMinor + c.amount_minor,
      amountMinor: g.amountMinor + c.amount_minor,
    });
  }
  return [...groups.values()].map(({ descriptions, ...l }) => ({ ...l, description: descriptions.join('; ') }));
}

/**
 * Credits `lines` (positive amounts, one per rate) against a finalised period invoice, then refunds that much of
 * the period's payment when it was paid. The credit note is found again by its memo and the refund by its reason
 * before either is made, so a rerun after a crash neither credits nor refunds twice.
 */
export async function creditPeriodInvoice(
  deps: BillingDeps,
  period: { invoice_id: string; payment_id: string | null },
  lines: readonly DraftInvoiceLine[],
  memo: string,
): Promise<void> {
  let note = await deps.db.one<{ id: string; total_minor: number }>(CREDIT_NOTE_BY_MEMO, {
    invoice_id: period.invoice_id,
    memo,
  });
  if (note === undefined) {
    const made = await createCreditNote({ db: deps.db, clock: deps.clock, log: deps.log }, period.invoice_id, {
      lines: [...lines],
      reason: 'order_change',
      memo,
    });
    note = { id: made.id, total_minor: made.total };
  }
  if (period.payment_id === null) return;
  const refundable = await deps.db.one<{ refundable: number }>(REFUNDABLE, { id: period.payment_id });
  const amount = Math.min(note.total_minor, refundable?.refundable ?? 0);
  if (amount <= 0) return;
  const made = await deps.db.one(REFUND_OF_CREDIT, { payment_id: period.payment_id, reason: memo });
  if (made === undefined) await createRefund(deps, { payment_id: period.payment_id, amount, reason: memo });
}

const CREDITABLE = ['finalized', 'paid', 'partially_paid', 'uncollectible'];

/**
 * Credits `lines` (positive amounts, one per GST rate) across a period's documents: its invoice first, then the
 * always_invoice change invoices of the same period, oldest first, except that invoices still asking for money (a
 * change whose charge failed, its dunning case over) come before those paid, so a credit lowers what is owed before
 * anything is refunded. At each rate an invoice takes at most what it has
 * left at that rate net of its earlier credit notes, so each credit note reverses tax that invoice charged; each is
 * refunded from the payment that paid that invoice (creditPeriodInvoice). What an earlier attempt credited under the
 * same memo counts as placed, so a rerun after a crash places only the rest and the split stays the same. Nothing is
 * credited unless the documents together can take all of it: false then (the caller leaves the charges pending).
 */
export async function creditPeriod(
  deps: BillingDeps,
  period: { subscription_id: string; period_index: number; invoice_id: string; payment_id: string | null },
  lines: readonly DraftInvoiceLine[],
  memo: string,
): Promise<boolean> {
  const changes = await deps.db.all<{ invoice_id: string; status: string; payment_id: string | null }>(
    CHANGE_INVOICES_OF_PERIOD,
    { subscription_id: period.subscription_id, period_index: period.period_index },
  );
  const candidates = [period, ...changes.filter((c) => CREDITABLE.includes(c.status))];
  // Invoices that still ask for money come first: a credit lowers what the parent owes before any is refunded. Not
  // one an open dunning case is collecting: a credit note would leave it asking less than its order, which a retry
  // cannot charge (charge-change-invoice.ts); its case ends first.
  const owed = new Map(
    (
      await deps.db.all<{ id: string; owed_minor: number | string; in_dunning: boolean }>(STILL_OWED, {
        ids: candidates.map((c) => c.invoice_id),
      })
    ).map((r) => [r.id, Number(r.owed_minor) > 0 && !r.in_dunning]),
  );
  const documents = [
    ...candidates.filter((c) => owed.get(c.invoice_id) === true),
    ...candidates.filter((c) => owed.get(c.invoice_id) !== true),
  ];
  const need = new Map<string, number>();
  for (const l of lines) need.set(rateKey(l), (need.get(rateKey(l)) ?? 0) + l.amountMinor);
  const plan: { document: (typeof documents)[number]; lines: DraftInvoiceLine[] }[] = [];
  for (const document of documents) {
    const placed = await deps.db.all<{
      tax_category: string;
      gst_rate_bp: number | null;
      amount_minor: number | string;
    }>(CREDITED_BY_MEMO, { invoice_id: document.invoice_id, memo });
    if (placed.length > 0) {
      for (const p of placed) {
        const key = rateKey({ taxCategory: p.tax_category, gstRateBp: p.gst_rate_bp });
        need.set(key, (need.get(key) ?? 0) - Number(p.amount_minor));
      }
      plan.push({ document, lines: [] });
      continue;
    }
    const left = await creditableByRate(deps, document.invoice_id);
    const taken: DraftInvoiceLine[] = [];
    for (const l of lines) {
      const key = rateKey(l);
      const amount = Math.min(need.get(key) ?? 0, Math.max(left.get(key) ?? 0, 0));
      if (amount <= 0) continue;
      need.set(key, (need.get(key) ?? 0) - amount);
      taken.push({ ...l, quantity: 1, unitAmountMinor: amount, amountMinor: amount });
    }
    if (taken.length > 0) plan.push({ document, lines: taken });
  }
  if ([...need.values()].some((n) => n > 0)) return false;
  for (const p of plan) await creditPeriodInvoice(deps, p.document, p.lines, memo);
  return true;
}
