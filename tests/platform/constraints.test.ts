import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../platform/db.js';
import { openTestDb } from '../support/db.js';

/** The schema states what must never be: a bug in code meets a refusal from the database (migrations 016, 018). */
describe('the database refuses impossible rows', () => {
  let db: Db;
  const at = new Date('2026-06-01T00:00:00Z');
  beforeAll(async () => {
    db = await openTestDb();
    await db.run(
      `INSERT INTO orders (id, customer_id, school_id, amount_minor, currency, status, created_at, updated_at)
       VALUES ('ord_1', 'cus_1', 'sch_1', 10000, 'INR', 'paid', $at, $at)`,
      { at },
    );
    await db.run(
      `INSERT INTO journal_entries (id, kind, ref_type, ref_id, currency, created_at)
       VALUES ('je_1', 'capture', 'payment', 'pay_1', 'INR', $at)`,
      { at },
    );
  });
  afterAll(async () => db.close());

  const payment = (fields: Record<string, unknown>) =>
    db.run(
      `INSERT INTO payments (id, order_id, customer_id, school_id, method, amount_minor, currency, status, capture_mode,
                             captured_minor, refunded_minor, created_at, updated_at)
       VALUES ($id, $order_id, 'cus_1', 'sch_1', 'upi', $amount, 'INR', $status, 'auto', $captured, $refunded, $at, $at)`,
      {
        id: 'pay_x',
        order_id: 'ord_1',
        amount: 10000,
        status: 'captured',
        captured: 10000,
        refunded: 0,
        at,
        ...fields,
      },
    );
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: { code?: string }) => e.code,
    );

  it('when a payment is refunded beyond its capture, captured beyond its amount, in an unknown state or for no order → refused', async () => {
    expect(await code(payment({ refunded: 10001 }))).toBe('23514');
    expect(await code(payment({ captured: 10001 }))).toBe('23514');
    expect(await code(payment({ amount: 0, captured: 0 }))).toBe('23514');
    expect(await code(payment({ status: 'settled' }))).toBe('23514');
    expect(await code(payment({ order_id: 'ord_missing' }))).toBe('23503');
    expect(await code(payment({}))).toBe('ok');
  });

  it('when an order already has a payment in flight or captured → a second live one is refused; a failed one is not (migration 018)', async () => {
    // pay_x (captured) is ord_1's live payment from the test above.
    expect(await code(payment({ id: 'pay_y', status: 'created', captured: 0 }))).toBe('23505');
    expect(await code(payment({ id: 'pay_z', status: 'failed', captured: 0 }))).toBe('ok');
  });

  it('when a ledger line names no entry, repeats a line number or moves nothing → refused', async () => {
    const line = (entry: string, no: number, amount: number) =>
      db.run(
        `INSERT INTO journal_lines (entry_id, line_no, account, school_id, amount_minor, currency)
         VALUES ($entry, $no, 'gateway_clearing', 'sch_1', $amount, 'INR')`,
        { entry, no, amount },
      );
    expect(await code(line('je_missing', 1, 100))).toBe('23503');
    expect(await code(line('je_1', 1, 0))).toBe('23514');
    expect(await code(line('je_1', 1, 100))).toBe('ok');
    expect(await code(line('je_1', 1, -100))).toBe('23505');
  });

  it('when a refund is for no payment or of nothing → refused', async () => {
    const refund = (payment: string, amount: number) =>
      db.run(
        `INSERT INTO refunds (id, payment_id, amount_minor, currency, status, created_at, updated_at)
         VALUES ('rfnd_x', $payment, $amount, 'INR', 'pending', $at, $at)`,
        { payment, amount, at },
      );
    expect(await code(refund('pay_missing', 100))).toBe('23503');
    expect(await code(refund('pay_x', 0))).toBe('23514');
  });

  it('when a school payout is of no money, has a malformed UTR, repeats one, or is reversed without its record → refused (migration 048)', async () => {
    await db.run(
      `INSERT INTO schools (id, name, city, state_code, created_at) VALUES ('sch_p', 'P', 'Pune', 'MH', $at)`,
      {
        at,
      },
    );
    const payout = (fields: Record<string, unknown>) =>
      db.run(
        `INSERT INTO school_payouts (id, school_id, amount_minor, utr, paid_on, period_from, period_to, created_by,
                                     created_at, journal_entry_id, status, reversed_at, reversal_journal_entry_id,
                                     reversal_reason)
         VALUES ($id, 'sch_p', $amount, $utr, '2026-06-01', $from, $to, 'key_1', $at, $je, $status, $reversed_at,
                 $reversal_entry, $reason)`,
        {
          id: 'pout_x',
          amount: 100,
          utr: 'HDFCN52026060100001',
          from: null,
          to: null,
          at,
          status: 'recorded',
          reversed_at: null,
          reversal_entry: null,
          reason: null,
          je: 'je_1',
          ...fields,
        },
      );
    expect(await code(payout({ amount: 0 }))).toBe('23514');
    expect(await code(payout({ utr: 'hdfcn52026060100001' }))).toBe('23514');
    expect(await code(payout({ utr: 'UTR-2026' }))).toBe('23514');
    expect(await code(payout({ from: '2026-05-31', to: null }))).toBe('23514');
    expect(await code(payout({ from: '2026-05-31', to: '2026-05-01' }))).toBe('23514');
    expect(await code(payout({ status: 'reversed' }))).toBe('23514');
    expect(await code(payout({ status: 'paid' }))).toBe('23514');
    expect(await code(payout({}))).toBe('ok');
    expect(await code(payout({ id: 'pout_y' }))).toBe('23505'); // the same UTR for the school
    // One entry per payout.
    expect(await code(payout({ id: 'pout_y', utr: '634512345678' }))).toBe('23505');
    await db.run(
      `INSERT INTO journal_entries (id, kind, ref_type, ref_id, currency, created_at)
       VALUES ('je_2', 'school_payout', 'payout', 'pout_z', 'INR', $at)`,
      { at },
    );
    expect(await code(payout({ id: 'pout_z', utr: '634512345678', je: 'je_2' }))).toBe('ok');
  });
});
