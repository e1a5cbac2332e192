import { IST_OFFSET_MS, istDate } from '../../platform/ist.js';
import type { JobContext, JobSummary } from '../../platform/job.js';
import { createDraftInvoices, type DraftInvoiceInput } from './create-draft-invoice.js';
import { finalizeDrafts } from './finalize-drafts.js';
import { type InvoiceJobDeps, publishPending } from './finalize-due-invoices.js';
import { fromEpochMs } from './repository.js';

/** The IST calendar month before `now`: `YYYY-MM` and its [start, end) instants. */
export function previousIstMonth(now: Date): { month: string; start: Date; end: Date } {
  const today = istDate(now);
  const y = Number(today.slice(0, 4));
  const m = Number(today.slice(5, 7)); // 1-12, this month
  const py = m === 1 ? y - 1 : y;
  const pm = m === 1 ? 12 : m - 1;
  return {
    month: `${py}-${String(pm).padStart(2, '0')}`,
    start: new Date(Date.UTC(py, pm - 1, 1) - IST_OFFSET_MS),
    end: new Date(Date.UTC(y, m - 1, 1) - IST_OFFSET_MS),
  };
}

/**
 * Meal orders paid one by one in the month: captured payments of orders that are neither a billing period's
 * charge nor an installment. Meal orders carry no tax category of their own: school-meal catering is exempt
 * (entry 66), so every statement line is exempt and the statement is a bill of supply.
 */
const PAID_ORDERS = `
SELECT o.customer_id, o.school_id, o.id AS order_id, coalesce(o.description, 'Meal order') AS description,
  p.id AS payment_id, p.captured_minor - p.refunded_minor AS amount, p.captured_at
FROM payments p JOIN orders o ON o.id = p.order_id
WHERE p.captured_at >= $start AND p.captured_at < $end AND p.captured_minor - p.refunded_minor > 0
  AND o.id NOT IN (SELECT order_id FROM billing_records)
  AND o.id NOT IN (SELECT order_id FROM installments)
ORDER BY o.customer_id, p.captured_at, p.id`;

const APPLY_STATEMENT_PAYMENTS = `
INSERT INTO invoice_payments (payment_id, invoice_id, amount_minor, paid_at, created_at)
SELECT r.payment_id, r.invoice_id, r.amount, ${fromEpochMs('r.paid_ms')}, $at::timestamptz
FROM json_to_recordset($rows::json) AS r(payment_id VARCHAR, invoice_id VARCHAR, amount BIGINT, paid_ms BIGINT)
ON CONFLICT (payment_id) DO NOTHING`;
const SUM_PAYMENTS = `
UPDATE invoices SET amount_paid_minor = s.paid
FROM (SELECT invoice_id, sum(amount_minor) AS paid FROM invoice_payments
      WHERE invoice_id = ANY($ids::text[]) GROUP BY invoice_id) s
WHERE invoices.id = s.invoice_id AND invoices.status = 'draft'`;

/**
 * The monthly `monthly-statements` job (1st of the month, 02:00 IST): one statement per family for the meal
 * orders it paid one by one last month, idempotent per customer and month (source ref `<customer>:<YYYY-MM>`).
 * Drafts, payments and numbers are written in one transaction; PDFs and emails follow.
 */
export async function createMonthlyStatements(deps: InvoiceJobDeps, ctx: JobContext): Promise<JobSummary> {
  const { month, start, end } = previousIstMonth(ctx.now);
  const rows = await deps.db.all<{
    customer_id: string;
    school_id: string;
    order_id: string;
    description: string;
    payment_id: string;
    amount: number;
    captured_at: Date;
  }>(PAID_ORDERS, { start, end });
  const byCustomer = new Map<string, typeof rows>();
  for (const r of rows) byCustomer.set(r.customer_id, [...(byCustomer.get(r.customer_id) ?? []), r]);
  const inputs: DraftInvoiceInput[] = [...byCustomer.values()].map((orders) => {
    const first = orders[0] as (typeof rows)[number];
    return {
      source: 'monthly_statement',
      sourceRef: `${first.customer_id}:${month}`,
      customerId: first.customer_id,
      schoolId: first.school_id,
      currency: 'INR',
      autoFinalize: false,
      memo: `Statement of meal orders paid in ${month}`,
      lines: orders.slice(0, 200).map((o) => ({
        description: `${o.description} (${o.order_id}, paid ${istDate(o.captured_at)})`,
        quantity: 1,
        unitAmountMinor: o.amount,
        amountMinor: o.amount,
        taxCategory: 'gst_exempt_school_meals' as const,
        gstRateBp: null,
      })),
    };
  });
  const created = await deps.db.transaction(async (tx) => {
    const results = await createDraftInvoices(tx, inputs, deps.clock);
    const fresh = results.filter((r) => r.created).map((r) => r.id);
    const invoiceOf = new Map(inputs.map((input, i) => [input.customerId, results[i]]));
    const payments = rows
      .filter((r) => invoiceOf.get(r.customer_id)?.created === true)
      .map((r) => ({
        payment_id: r.payment_id,
        invoice_id: invoiceOf.get(r.customer_id)?.id,
        amount: r.amount,
        paid_ms: r.captured_at.getTime(),
      }));
    if (payments.length > 0) {
      await tx.run(APPLY_STATEMENT_PAYMENTS, { rows: JSON.stringify(payments), at: ctx.now });
      await tx.run(SUM_PAYMENTS, { ids: fresh });
    }
    await finalizeDrafts(tx, fresh, ctx.now, deps.invoicing === undefined ? {} : { dueDays: deps.invoicing.dueDays });
    return fresh.length;
  });
  const published = await publishPending(deps, 20_000);
  return { month, customers: inputs.length, statements_created: created, ...published };
}
