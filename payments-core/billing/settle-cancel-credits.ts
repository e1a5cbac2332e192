import { settleCharges } from '../subscriptions/settle-charges.js';
import { creditPeriodInvoice, netPerRate, type PendingCharge } from './credit-period-invoice.js';
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
 * Gives back the unused days of in-advance periods cancelled now: per subscription, a credit note against the
 * period's invoice for its pending credits (one line per GST rate, so each reverses the tax it was charged
 * with), then a refund of that amount when the period was paid, then the charges are marked settled. Each step
 * is found again by its memo / reason before it is made, so a rerun after a crash neither credits nor refunds
 * twice. A draft invoice waits for its finalisation; pending charges that would need a positive line at some
 * rate, or a credit the period's invoice cannot take, are left for an operator (logged).
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
    try {
      await creditPeriodInvoice(
        deps,
        due,
        lines.filter((l) => l.amountMinor > 0).map(({ ids, ...l }) => l),
        memo,
      );
    } catch (err) {
      // One subscription's credit that cannot be made (more than its period's invoice has left at a rate, after an
      // always_invoice change billed part of the period on an invoice of its own) is left pending and logged: it
      // never stops the run, nor every other customer's billing (on a test clock, the clock itself).
      deps.log.error({ err, subscription: due.subscription_id }, 'cancel credit not made: left pending');
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
