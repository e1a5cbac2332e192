import { settleCharges } from '../subscriptions/settle-charges.js';
import { creditPeriod, netPerRate, type PendingCharge } from './credit-period-invoice.js';
import { CANCEL_CREDITS_DUE, PENDING_CHARGES_OF } from './repository.js';
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
 * Gives back the unused days of in-advance periods cancelled now: per subscription, credit notes for its pending
 * credits (one line per GST rate, so each reverses the tax it was charged with) against the period's invoice and
 * then the always_invoice change invoices of the period (creditPeriod), each refunded from the payment that paid
 * it, then the charges are marked settled. Each step
 * is found again by its memo / reason before it is made, so a rerun after a crash neither credits nor refunds
 * twice. A draft invoice waits for its finalisation; pending charges that would need a positive line at some
 * rate, or a credit the period's documents together cannot take, are left pending (logged).
 */
export async function settleCancelCredits(
  deps: BillingDeps,
  limit = 500,
  testClock: string | null = null,
): Promise<{ credited: number }> {
  let credited = 0;
  for (const due of await deps.db.all<Due>(CANCEL_CREDITS_DUE, { limit, test_clock: testClock })) {
    if (!CREDITABLE.includes(due.invoice_status)) continue;
    const charges = await deps.db.all<PendingCharge>(PENDING_CHARGES_OF, { id: due.subscription_id });
    const memo = `Unused days of ${due.subscription_id}, period ${due.period_index}, cancelled`;
    // Credited per rate: each line reverses the tax it was charged with.
    const lines = netPerRate(charges).map((l) => ({
      ...l,
      unitAmountMinor: -l.unitAmountMinor,
      amountMinor: -l.amountMinor,
    }));
    if (lines.some((l) => l.amountMinor < 0)) {
      deps.log.warn({ subscription: due.subscription_id }, 'cancel credit nets to a charge at one GST rate: left');
      continue;
    }
    // Per rate against the period's invoice, then the change invoices of the period (an always_invoice change billed
    // part of the period on an invoice of its own): each takes what it has left at that rate.
    let made: boolean;
    try {
      made = await creditPeriod(
        deps,
        due,
        lines.filter((l) => l.amountMinor > 0).map(({ ids, ...l }) => l),
        memo,
      );
    } catch (err) {
      made = false;
      deps.log.error({ err, subscription: due.subscription_id }, 'cancel credit refused');
    }
    if (!made) {
      // More than the period's documents together have left at a rate, or one of them still a draft: left pending
      // for the next run and logged; it never stops the run, nor every other customer's billing (on a test clock,
      // the clock itself).
      deps.log.error({ subscription: due.subscription_id }, 'cancel credit not made: left pending');
      continue;
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
