import { describe, expect, it } from 'vitest';
import { createDraftInvoice } from '../../../payments-core/invoices/create-draft-invoice.js';
import {
  createMonthlyStatements,
  previousIstMonth,
} from '../../../payments-core/invoices/create-monthly-statements.js';
import { finalizeDueInvoices } from '../../../payments-core/invoices/finalize-due-invoices.js';
import { recordInvoicePayment } from '../../../payments-core/invoices/record-invoice-payment.js';
import { draft, gstLine, invoiceTests, mealLine, T0 } from './support.js';

const base = invoiceTests('kosh-inv-jobs-');
async function setup(start = T0) {
  const s = await base(start);
  return { ...s, deps: { ...s.deps, invoicing: { finalizeDelayMinutes: 60, dueDays: 15 } } };
}

const HOUR = 3_600_000;

describe('finalize-invoices job', () => {
  it('when drafts from billing are younger than the delay → left alone; after it → numbered in creation order, PDF and email', async () => {
    const s = await setup();
    const a = await createDraftInvoice(s.db, draft('br_a', [mealLine(100_000)]), s.clock);
    s.clock.advance(10 * 60_000);
    const b = await createDraftInvoice(s.db, draft('br_b', [mealLine(90_000)]), s.clock);
    await recordInvoicePayment(
      s.db,
      { invoiceId: b.id, paymentId: 'pay_b', amountMinor: 90_000, paidAt: s.clock.now() },
      s.clock,
    );
    const manual = await createDraftInvoice(s.db, draft('m_1', [gstLine(1000)], { source: 'manual' }), s.clock);

    expect(await finalizeDueInvoices(s.deps, { now: new Date(T0.getTime() + 30 * 60_000) })).toMatchObject({
      finalized: 0,
    });
    const run = await finalizeDueInvoices(s.deps, { now: new Date(T0.getTime() + 2 * HOUR) });
    expect(run).toMatchObject({ finalized: 2, published: 2, publish_failed: 0 });
    // b and the manual draft share created_at: the number breaks the tie (DuckDB kept insertion order).
    const rows = await s.db.all('SELECT id, number, status FROM invoices ORDER BY created_at, number NULLS LAST');
    expect(rows).toEqual([
      { id: a.id, number: 'BOS/26-27/000001', status: 'finalized' },
      { id: b.id, number: 'BOS/26-27/000002', status: 'paid' },
      { id: manual.id, number: null, status: 'draft' },
    ]);
    expect(await s.db.one('SELECT count(*) AS n FROM email_outbox')).toEqual({ n: 2 });
    expect(await finalizeDueInvoices(s.deps, { now: new Date(T0.getTime() + 3 * HOUR) })).toMatchObject({
      finalized: 0,
      published: 0,
    });
  });
});

describe('monthly-statements job', () => {
  it('when a family paid meal orders one by one last month → one paid statement per family; a rerun creates nothing', async () => {
    const now = new Date('2026-06-30T20:30:00Z'); // 1 July 2026, 02:00 IST
    const s = await setup(now);
    expect(previousIstMonth(now).month).toBe('2026-06');
    const orders: [string, string, number, string][] = [
      ['ord_1', 'cus_ka', 12_000, '2026-06-01T00:00:00Z'],
      ['ord_2', 'cus_ka', 8_000, '2026-06-20T10:00:00Z'],
      ['ord_3', 'cus_mh', 15_000, '2026-06-30T18:00:00Z'], // 23:30 IST on 30 June: still June
      ['ord_4', 'cus_mh', 99_000, '2026-06-30T18:31:00Z'], // 00:01 IST on 1 July: next month
      ['ord_5', 'cus_ka', 50_000, '2026-05-31T18:29:00Z'], // 23:59 IST on 31 May: May
    ];
    for (const [id, customer, amount, at] of orders) {
      await s.db.run(
        `INSERT INTO orders (id, customer_id, school_id, amount_minor, currency, status, description, created_at, updated_at)
         VALUES ($id, $customer, 'sch_1', $amount, 'INR', 'paid', 'Lunch', $at, $at)`,
        { id, customer, amount, at: new Date(at) },
      );
      await s.db.run(
        `INSERT INTO payments (id, order_id, customer_id, school_id, method, amount_minor, currency, status, capture_mode,
           captured_minor, created_at, captured_at, updated_at)
         VALUES ($pid, $id, $customer, 'sch_1', 'upi', $amount, 'INR', 'captured', 'auto', $amount, $at, $at, $at)`,
        { pid: `pay_${id}`, id, customer, amount, at: new Date(at) },
      );
    }
    const first = await createMonthlyStatements(s.deps, { now });
    expect(first).toMatchObject({ month: '2026-06', customers: 2, statements_created: 2, published: 2 });
    const rows = await s.db.all(
      `SELECT customer_id, source_ref, status, total_minor, amount_paid_minor, document_type FROM invoices ORDER BY customer_id`,
    );
    expect(rows).toEqual([
      {
        customer_id: 'cus_ka',
        source_ref: 'cus_ka:2026-06',
        status: 'paid',
        total_minor: 20_000,
        amount_paid_minor: 20_000,
        document_type: 'bill_of_supply',
      },
      {
        customer_id: 'cus_mh',
        source_ref: 'cus_mh:2026-06',
        status: 'paid',
        total_minor: 15_000,
        amount_paid_minor: 15_000,
        document_type: 'bill_of_supply',
      },
    ]);
    expect(await s.db.all('SELECT kind FROM email_outbox')).toEqual([{ kind: 'statement' }, { kind: 'statement' }]);
    const again = await createMonthlyStatements(s.deps, { now: new Date(now.getTime() + HOUR) });
    expect(again).toMatchObject({ statements_created: 0, published: 0 });
    expect(await s.db.one('SELECT count(*) AS n FROM invoices')).toEqual({ n: 2 });
  });
});
