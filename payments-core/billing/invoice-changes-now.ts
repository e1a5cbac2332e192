import type { Sql } from '../../platform/db.js';
import type { KillPoints } from '../../platform/kill-points.js';
import { openDunningCase } from '../dunning/open-dunning-case.js';
import { createDraftInvoice } from '../invoices/create-draft-invoice.js';
import { finalizeInvoice, type InvoiceDeps } from '../invoices/finalize-invoice.js';
import { recordInvoicePayment } from '../invoices/record-invoice-payment.js';
import { createOrders } from '../orders/create-orders.js';
import { chargeOffSession } from '../payments/charge-off-session.js';
import { NOT_RECEIVED } from '../payments/resolve-unknown-payments.js';
import { classifyDecline } from '../retries/declines.js';
import { AUTO_DEBIT_LIMIT_PAISE } from '../retries/india-rules.js';
import { CHARGES_TO_BILL_NOW } from '../subscriptions/repository.js';
import { settleCharges } from '../subscriptions/settle-charges.js';
import { chargeLine } from './charge-line.js';
import { creditPeriod, netPerRate, type PendingCharge } from './credit-period-invoice.js';
import {
  CHANGE_CHARGE_ATTEMPTS,
  CHANGE_INVOICE,
  CHANGE_PAYER,
  INSERT_CHANGE_ORDER,
  PERIOD_OF_CHANGE,
} from './repository.js';
import type { BillingDeps } from './types.js';

interface NowCharge extends PendingCharge {
  readonly subscription_id: string;
  readonly change_id: string;
  readonly kind: string;
  readonly period_index: number;
  readonly period_start: Date;
  readonly period_end: Date;
}

const CREDITABLE = ['finalized', 'paid', 'partially_paid', 'uncollectible'];

/** `kill`: named points for the crash tests (platform/kill-points.ts); production passes none. */
type ChangeDeps = BillingDeps & Pick<InvoiceDeps, 'objects' | 'settings'> & { kill?: KillPoints | undefined };

/**
 * Bills the prorations of `always_invoice` changes now, one change at a time, of one subscription (or, from the
 * billing run, every subscription with some left). Per GST rate the change's lines are summed: rates that net to
 * a charge go on an invoice of their own (source `subscription_change`, ref = the change id), finalised at once and,
 * for a subscription with a saved method within the auto-debit rules, charged off-session with the payment key
 * `bill_<change id>_0` on the order `ord_<change id>`; rates that net to a credit become credit notes against the
 * period's invoice, then its earlier change invoices (creditPeriod; each refunded when it was paid). Never a
 * negative invoice. Every step is keyed by the change, and its charges are settled only once its step is done, so a
 * retry of the change request or a rerun after a crash bills nothing twice. A credit waits while the period's invoice is a draft; a charge whose outcome is not known yet waits
 * for a later pass (the same key finds the same payment).
 */
export async function invoiceChangesNow(
  deps: ChangeDeps,
  subscriptionId: string | null,
  options: { limit?: number; testClock?: string | null } = {},
): Promise<{ invoiced: number; credited: number }> {
  const rows = await deps.db.all<NowCharge>(CHARGES_TO_BILL_NOW, {
    id: subscriptionId,
    limit: options.limit ?? 500,
    test_clock: options.testClock ?? null,
  });
  const changes = new Map<string, NowCharge[]>();
  for (const r of rows) changes.set(r.change_id, [...(changes.get(r.change_id) ?? []), r]);
  const done = { invoiced: 0, credited: 0 };
  for (const [changeId, charges] of changes) {
    try {
      await billChange(deps, changeId, charges, done);
    } catch (err) {
      // The change stands and its charges stay pending: the next billing run tries again (a draft that cannot be
      // finalised, a refused charge request), and one change never holds up the others.
      deps.log.error({ err, change_id: changeId }, 'always_invoice change not billed yet');
    }
  }
  return done;
}

/** One change: its zero nets settled, its net charges invoiced (and charged), its net credits credited. */
async function billChange(
  deps: ChangeDeps,
  changeId: string,
  charges: readonly NowCharge[],
  done: { invoiced: number; credited: number },
): Promise<void> {
  const first = charges[0];
  if (first === undefined) return;
  const groups = netPerRate(charges);
  const owed = new Set(groups.filter((g) => g.amountMinor > 0).flatMap((g) => g.ids));
  const credits = groups.filter((g) => g.amountMinor < 0);
  const zero = groups.filter((g) => g.amountMinor === 0).flatMap((g) => g.ids);
  if (zero.length > 0) await settle(deps.db, first.subscription_id, zero, changeId);
  if (owed.size > 0) {
    const billed = await invoiceAndCharge(
      deps,
      changeId,
      charges.filter((c) => owed.has(c.id)),
    );
    if (billed) done.invoiced++;
  }
  if (credits.length > 0) {
    const period = await deps.db.one<{
      record_id: string;
      invoice_id: string;
      payment_id: string | null;
      status: string;
    }>(PERIOD_OF_CHANGE, { subscription_id: first.subscription_id, period_index: first.period_index });
    if (period === undefined || !CREDITABLE.includes(period.status)) return;
    const memo = `Unused days of ${first.subscription_id}, change ${changeId}`;
    const made = await creditPeriod(
      deps,
      { ...period, subscription_id: first.subscription_id, period_index: first.period_index },
      credits.map(({ ids, ...l }) => ({ ...l, unitAmountMinor: -l.unitAmountMinor, amountMinor: -l.amountMinor })),
      memo,
    );
    // More than the period's documents have left at a rate: the change stands, its credit stays pending (logged).
    if (!made) throw new Error(`the credit of change ${changeId} is more than its period's invoices have left`);
    await settle(
      deps.db,
      first.subscription_id,
      credits.flatMap((g) => g.ids),
      period.record_id,
    );
    done.credited++;
  }
}

const settle = (db: BillingDeps['db'], subscriptionId: string, ids: readonly string[], by: string) =>
  db.transaction((tx) => settleCharges(tx, subscriptionId, ids, by));

/** The change's invoice, finalised, then charged; true once its charges are settled (billed by the invoice). */
async function invoiceAndCharge(deps: ChangeDeps, changeId: string, charges: readonly NowCharge[]): Promise<boolean> {
  const first = charges[0];
  if (first === undefined) return false;
  const payer = await deps.db.one<{
    customer_id: string;
    school_id: string;
    hsn_sac: string;
    uqc: string;
    method_id: string | null;
    mandate_type: string | null;
  }>(CHANGE_PAYER, { id: first.subscription_id });
  if (payer === undefined) return false;
  const made = await deps.db.transaction((tx: Sql) =>
    createDraftInvoice(
      tx,
      {
        source: 'subscription_change',
        sourceRef: changeId,
        customerId: payer.customer_id,
        schoolId: payer.school_id,
        currency: 'INR',
        subscriptionId: first.subscription_id,
        dueAt: deps.clock.now(),
        autoFinalize: false,
        lines: charges.map((c) => chargeLine(c, { hsnSac: payer.hsn_sac, uqc: payer.uqc })),
      },
      deps.clock,
    ),
  );
  const invoice = await deps.db.one<{ status: string; total_minor: number }>(CHANGE_INVOICE, { id: made.id });
  if (invoice?.status === 'draft') await finalizeInvoice(deps, made.id);
  // Charged like a dunning retry: a saved method off-session, within the auto-debit rules (a mandate debit needs
  // its pre-debit notice, above ₹15,000 the parent authenticates): otherwise the invoice waits to be paid.
  const chargeable =
    payer.method_id !== null && payer.mandate_type === null && made.totalMinor <= AUTO_DEBIT_LIMIT_PAISE;
  const methodId = payer.method_id;
  if (chargeable && methodId !== null && invoice?.status !== 'paid') {
    const orderId = `ord_${changeId}`;
    const paymentId = await attemptKey(deps, changeId, orderId);
    await deps.db.transaction((tx) =>
      createOrders(tx, INSERT_CHANGE_ORDER, {
        id: orderId,
        invoice_id: made.id,
        description: `subscription ${first.subscription_id} change ${changeId}`,
        now: deps.clock.now(),
      }),
    );
    const { outcome, payment } = await chargeOffSession(deps, {
      order_id: orderId,
      payment_id: paymentId,
      payment_method_id: methodId,
    });
    if (outcome === 'pending') return false;
    if (outcome === 'failed') {
      // As a failed renewal does: a dunning case retries it on the schedule and tells the parent (idempotent per
      // invoice, so a pass that finds this payment failed again opens nothing more).
      await deps.db.transaction((tx) =>
        openDunningCase(
          tx,
          {
            subscriptionId: first.subscription_id,
            billingRecordId: null,
            change: { invoiceId: made.id, methodId, paymentId },
            customerId: payer.customer_id,
            amountMinor: made.totalMinor,
            currency: 'INR',
            declineCode: payment?.error_reason ?? payment?.error_code ?? 'payment_failed',
            hard: classifyDecline(payment?.error_reason ?? null, payment?.error_code ?? null) === 'hard',
            failedAt: deps.clock.now(),
          },
          deps.clock,
        ),
      );
    }
    if (outcome === 'captured' && payment !== null) {
      deps.kill?.at('change_charged');
      await deps.db.transaction((tx) =>
        recordInvoicePayment(
          tx,
          { invoiceId: made.id, paymentId, amountMinor: made.totalMinor, paidAt: deps.clock.now() },
          deps.clock,
        ),
      );
    }
  }
  await settle(
    deps.db,
    first.subscription_id,
    charges.map((c) => c.id),
    made.id,
  );
  return true;
}

/**
 * The key of the change's own charge: `bill_<change>_0`, or its last attempt's again (a rerun finds what it did), and
 * a resend `bill_<change>_0_<n>` only once the resolver has found that the last one never reached the gateway
 * (`not_received_by_gateway`: the process died before the call). A decline is not charged again here: it opens
 * dunning, whose retries are `bill_<change>_<step>` (charge-change-invoice.ts) on the same order and are not this
 * charge's attempts.
 */
async function attemptKey(deps: ChangeDeps, changeId: string, orderId: string): Promise<string> {
  const first = `bill_${changeId}_0`;
  const attempts = (
    await deps.db.all<{ id: string; status: string; error_code: string | null }>(CHANGE_CHARGE_ATTEMPTS, {
      order_id: orderId,
    })
  ).filter((a) => a.id === first || a.id.startsWith(`${first}_`));
  const last = attempts[0];
  if (last === undefined) return first;
  if (last.status === 'failed' && last.error_code === NOT_RECEIVED) return `${first}_${attempts.length}`;
  return last.id;
}
