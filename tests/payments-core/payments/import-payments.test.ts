import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateDemoData } from '../../../data/generate-demo-data.js';
import { importPayments } from '../../../payments-core/payments/import-payments.js';
import type { ImportBatch } from '../../../payments-core/payments/import-types.js';
import { loadPayments } from '../../../payments-core/payments/load-payments.js';
import { fixedClock } from '../../../platform/clock.js';
import type { Db } from '../../../platform/db.js';
import { AppError } from '../../../platform/errors.js';
import { migrate } from '../../../platform/migrate.js';
import { openTestDb } from '../../support/db.js';

const at = new Date('2026-07-01T10:00:00Z');
const base: ImportBatch = {
  schools: [{ id: 'sch_1', name: 'Vidya', city: 'Pune', stateCode: 'MH', gstin: null, createdAt: at }],
  customers: [
    {
      id: 'cus_1',
      schoolId: 'sch_1',
      name: 'A',
      email: 'a@x.in',
      phone: '+919800000000',
      stateCode: 'MH',
      createdAt: at,
    },
  ],
  orders: [
    {
      id: 'ord_1',
      customerId: 'cus_1',
      schoolId: 'sch_1',
      amount: 100_000,
      currency: 'INR',
      status: 'paid',
      description: null,
      gatewayOrderId: 'order_1',
      createdAt: at,
    },
  ],
  payments: [
    {
      id: 'pay_1',
      orderId: 'ord_1',
      customerId: 'cus_1',
      schoolId: 'sch_1',
      paymentMethodId: null,
      method: 'upi',
      amount: 100_000,
      currency: 'INR',
      status: 'captured',
      fee: 2360,
      tax: 360,
      gatewayPaymentId: 'pay_g1',
      errorCode: null,
      errorReason: null,
      errorDescription: null,
      deviceId: null,
      ip: null,
      fraudLabel: null,
      createdAt: at,
    },
  ],
  refunds: [
    {
      id: 'rfd_1',
      paymentId: 'pay_1',
      amount: 30_000,
      status: 'processed',
      reason: null,
      gatewayRefundId: 'rfnd_1',
      createdAt: at,
      settledAt: at,
    },
    {
      id: 'rfd_2',
      paymentId: 'pay_1',
      amount: 10_000,
      status: 'failed',
      reason: null,
      gatewayRefundId: 'rfnd_2',
      createdAt: at,
      settledAt: at,
    },
  ],
};

describe('importPayments (the bulk path)', () => {
  let db: Db;
  beforeEach(async () => {
    db = await openTestDb();
    await migrate(db, fixedClock(at));
  });
  afterEach(async () => db.close());

  it('when a valid batch is imported → the rows and exactly the API path ledger lines are written', async () => {
    const summary = await importPayments({ db }, base);
    expect(summary).toMatchObject({ orders: 1, payments: 1, refunds: 2, journalEntries: 5 });
    const balances = await db.all<{ account: string; b: number }>(
      'SELECT account, sum(amount_minor)::BIGINT AS b FROM journal_lines GROUP BY 1 ORDER BY 1',
    );
    expect(Object.fromEntries(balances.map((r) => [r.account, r.b]))).toEqual({
      customer_receivable: 0,
      gateway_clearing: 100_000 - 2360 - 30_000,
      gateway_fee_gst: 360,
      gateway_fees: 2000,
      refunds_in_flight: 0,
      school_payable: -70_000,
    });
    expect((await db.one<{ r: number }>("SELECT refunded_minor AS r FROM payments WHERE id = 'pay_1'"))?.r).toBe(
      30_000,
    );
  });

  it('when refunds add up to more than was captured → the whole batch is refused and nothing is written', async () => {
    const bad: ImportBatch = {
      ...base,
      refunds: [...base.refunds, { ...base.refunds[0]!, id: 'rfd_3', gatewayRefundId: 'rfnd_3', amount: 70_001 }],
    };
    await expect(importPayments({ db }, bad)).rejects.toMatchObject({ code: 'invalid_import' });
    for (const table of ['schools', 'orders', 'payments', 'refunds', 'journal_lines']) {
      expect((await db.one<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${table}`))?.n, table).toBe(0);
    }
  });

  it('when an amount is not whole paise or a captured payment lacks its fee → refused naming the field', async () => {
    const bad: ImportBatch = { ...base, refunds: [], payments: [{ ...base.payments[0]!, amount: 100.5, fee: null }] };
    try {
      await importPayments({ db }, bad);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).fields.map((f) => f.field)).toEqual(
        expect.arrayContaining(['/payments/0/amount', '/payments/0/fee']),
      );
    }
  });

  it('when the same batch is imported twice → the second is refused by the keys and the first stays intact', async () => {
    await importPayments({ db }, base);
    await expect(importPayments({ db }, base)).rejects.toThrow();
    expect((await db.one<{ n: number }>('SELECT count(*)::BIGINT AS n FROM journal_entries'))?.n).toBe(5);
    expect((await db.one<{ t: number }>('SELECT sum(amount_minor)::BIGINT AS t FROM journal_lines'))?.t).toBe(0);
  });
  /**
   * Every key, foreign key, CHECK and index, as the database states them. PostgreSQL deparses a rebuilt partial
   * index's `IN (…)` with its casts written differently (the same predicate), so casts and brackets are left out.
   */
  const schema = async () =>
    (
      await db.all<{ definition: string }>(`
SELECT conrelid::regclass::text AS on_table, conname AS name, pg_get_constraintdef(oid) AS definition, convalidated
FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION ALL
SELECT tablename, indexname, indexdef, true FROM pg_indexes WHERE schemaname = 'public'
ORDER BY 1, 2, 3`)
    ).map((r) => ({ ...r, definition: r.definition.replace(/::[a-z ]+(\[\])?|[()]/g, '') }));
  const demo = (batchSize: number) =>
    generateDemoData({ seed: 7, payments: 3_000, months: 3, batchSize, end: new Date('2026-11-28T00:00:00Z') });

  it('when demo data is loaded in several batches → each entry balances, and the ledger holds exactly the captured total, its fees and its refunds', async () => {
    const before = await schema();
    const summary = await loadPayments({ db }, demo(1_000));
    expect(summary.payments).toBe(3_000);
    expect(await db.all('SELECT entry_id FROM journal_lines GROUP BY entry_id HAVING sum(amount_minor) <> 0')).toEqual(
      [],
    );
    const totals = await db.one<Record<string, number>>(`
SELECT (SELECT count(*) FROM payments WHERE status = 'captured')::BIGINT AS captured_payments,
       (SELECT count(*) FROM journal_entries WHERE kind = 'capture')::BIGINT AS capture_entries,
       (SELECT sum(captured_minor) FROM payments)::BIGINT AS captured,
       (SELECT sum(fee_minor) FROM payments)::BIGINT AS fees,
       (SELECT coalesce(sum(amount_minor), 0) FROM refunds WHERE status = 'processed')::BIGINT AS refunded,
       (SELECT coalesce(sum(amount_minor), 0) FROM refunds WHERE status = 'pending')::BIGINT AS refunding,
       (SELECT sum(amount_minor) FROM journal_lines)::BIGINT AS ledger,
       (SELECT -sum(l.amount_minor) FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
        WHERE e.kind = 'capture' AND l.account = 'school_payable')::BIGINT AS sold,
       (SELECT sum(amount_minor) FROM journal_lines WHERE account = 'gateway_clearing')::BIGINT AS clearing,
       (SELECT sum(amount_minor) FROM journal_lines WHERE account = 'refunds_in_flight')::BIGINT AS in_flight`);
    expect(totals?.['captured_payments']).toBeGreaterThan(2_000);
    expect(totals?.['capture_entries']).toBe(totals?.['captured_payments']);
    expect(totals?.['ledger']).toBe(0);
    expect(totals?.['sold']).toBe(totals?.['captured']);
    expect(totals?.['clearing']).toBe(
      (totals?.['captured'] ?? 0) - (totals?.['fees'] ?? 0) - (totals?.['refunded'] ?? 0),
    );
    expect(totals?.['in_flight']).toBe(-(totals?.['refunding'] ?? 0));
    // The keys and indexes taken off for the load are all back, validated, exactly as the migrations made them.
    expect(await schema()).toEqual(before);
  });

  it('when a later batch of one load repeats a payment → the whole load is refused by the key, nothing is written and every key stays', async () => {
    const before = await schema();
    const [first] = demo(1_000);
    const again: ImportBatch = {
      ...base,
      schools: [],
      customers: [],
      payments: [{ ...base.payments[0]!, id: first!.payments[0]!.id }],
      refunds: [],
    };
    await expect(loadPayments({ db }, [first!, again])).rejects.toThrow(/could not create unique index/);
    for (const table of ['schools', 'orders', 'payments', 'journal_entries', 'journal_lines']) {
      expect((await db.one<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${table}`))?.n, table).toBe(0);
    }
    expect(await schema()).toEqual(before);
  });
});
