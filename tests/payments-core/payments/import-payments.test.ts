import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importPayments } from '../../../payments-core/payments/import-payments.js';
import type { ImportBatch } from '../../../payments-core/payments/import-types.js';
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
});
