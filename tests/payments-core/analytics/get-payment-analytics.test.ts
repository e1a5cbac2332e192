import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPaymentAnalytics } from '../../../payments-core/analytics/get-payment-analytics.js';
import { razorpayFee } from '../../../payments-core/gateway/fees.js';
import { importPayments } from '../../../payments-core/payments/import-payments.js';
import type { ImportOrder, ImportPayment, ImportRefund } from '../../../payments-core/payments/import-types.js';
import { fixedClock } from '../../../platform/clock.js';
import type { Db } from '../../../platform/db.js';
import { migrate } from '../../../platform/migrate.js';
import { openTestDb } from '../../support/db.js';
import { type Harness, startHarness } from '../../support/harness.js';

const t = (hhmmss: string, day = '01') => new Date(`2026-07-${day}T${hhmmss}Z`);
const clock = fixedClock(new Date('2026-07-10T00:00:00Z'));
type Method = ImportPayment['method'];
const METHODS: Record<string, { type: Method; network: string | null; bank: string | null }> = {
  pm_visa: { type: 'card', network: 'Visa', bank: null },
  pm_mc: { type: 'card', network: 'MasterCard', bank: null },
  pm_nb: { type: 'netbanking', network: null, bank: 'HDFC' },
  pm_upi: { type: 'upi', network: null, bank: null },
};

// [order, school, order created, amount, attempts: [payment, method, created, failure reason | null]]
const FIXTURE: [string, string, Date, number, [string, string, Date, string | null][]][] = [
  [
    'ord_1',
    'sch_1',
    t('03:59:00'),
    120_000,
    [
      ['pay_1', 'pm_visa', t('04:00:00'), 'card_declined'],
      ['pay_2', 'pm_visa', t('04:10:00'), null],
    ],
  ],
  ['ord_2', 'sch_1', t('11:59:30'), 50_000, [['pay_3', 'pm_upi', t('12:00:00'), null]]],
  ['ord_3', 'sch_1', t('12:59:00'), 75_000, [['pay_4', 'pm_nb', t('13:00:00'), 'bank_technical_error']]],
  ['ord_4', 'sch_2', t('13:59:00'), 200_000, [['pay_5', 'pm_nb', t('14:00:00'), null]]],
  [
    'ord_5',
    'sch_2',
    t('14:29:00'),
    90_000,
    [
      ['pay_6', 'pm_mc', t('14:30:00'), 'insufficient_funds'],
      ['pay_7', 'pm_upi', t('14:40:00'), 'payment_timed_out'],
      ['pay_8', 'pm_upi', t('14:50:00'), null],
    ],
  ],
  ['ord_6', 'sch_2', t('14:58:20'), 60_000, [['pay_9', 'pm_upi', t('15:00:00'), null]]],
  ['ord_7', 'sch_2', t('10:00:00', '05'), 40_000, [['pay_10', 'pm_upi', t('10:00:30', '05'), null]]],
];
const REFUNDS: [string, string, number, ImportRefund['status']][] = [
  ['rfd_1', 'pay_5', 200_000, 'processed'],
  ['rfd_2', 'pay_9', 5_000, 'processed'],
  ['rfd_3', 'pay_9', 1_000, 'failed'],
];

async function seed(db: Db): Promise<void> {
  const orders: ImportOrder[] = [];
  const payments: ImportPayment[] = [];
  for (const [id, school, createdAt, amount, attempts] of FIXTURE) {
    const paid = attempts.some((a) => a[3] === null);
    orders.push({
      id,
      customerId: `cus_${school}`,
      schoolId: school,
      amount,
      currency: 'INR',
      status: paid ? 'paid' : 'attempted',
      description: null,
      gatewayOrderId: `order_G${id}`,
      createdAt,
    });
    for (const [pid, pm, at, reason] of attempts) {
      const fee = reason === null ? razorpayFee(amount) : null;
      payments.push({
        id: pid,
        orderId: id,
        customerId: `cus_${school}`,
        schoolId: school,
        paymentMethodId: pm,
        method: METHODS[pm]?.type ?? 'upi',
        amount,
        currency: 'INR',
        status: reason === null ? 'captured' : 'failed',
        fee: fee?.fee ?? null,
        tax: fee?.tax ?? null,
        gatewayPaymentId: `pay_G${pid}`,
        errorCode: reason === null ? null : 'BAD_REQUEST_ERROR',
        errorReason: reason,
        errorDescription: null,
        deviceId: null,
        ip: null,
        fraudLabel: null,
        createdAt: at,
      });
    }
  }
  await importPayments(
    { db },
    {
      schools: ['sch_1', 'sch_2'].map((id) => ({
        id,
        name: id,
        city: 'Pune',
        stateCode: 'MH',
        gstin: null,
        createdAt: t('00:00:00'),
      })),
      customers: ['sch_1', 'sch_2'].map((s) => ({
        id: `cus_${s}`,
        schoolId: s,
        name: 'P',
        email: 'p@x.in',
        phone: '+919800000000',
        stateCode: 'MH',
        createdAt: t('00:00:00'),
      })),
      orders,
      payments,
      refunds: REFUNDS.map(([id, paymentId, amount, status]) => ({
        id,
        paymentId,
        amount,
        status,
        reason: null,
        gatewayRefundId: `rfnd_G${id}`,
        createdAt: t('16:00:00'),
        settledAt: t('17:00:00'),
      })),
    },
  );
  for (const [id, m] of Object.entries(METHODS)) {
    await db.run(
      `INSERT INTO payment_methods (id, customer_id, type, gateway_token, card_network, bank, is_default, created_at, updated_at)
       VALUES ($id, 'cus_sch_1', $type, $token, $network, $bank, false, $at, $at)`,
      { id, type: m.type, token: `token_${id}`, network: m.network, bank: m.bank, at: t('00:00:00') },
    );
  }
}

/** The metrics recomputed from the fixture in plain TypeScript, independently of the SQL. */
function expected(range: { from: Date; to: Date }, school?: string) {
  const rows = FIXTURE.filter((o) => school === undefined || o[1] === school).flatMap(
    ([order, , created, amount, attempts]) =>
      attempts.map(([id, pm, at, reason]) => ({ id, order, created, amount, pm, at, reason })),
  );
  const inRange = rows.filter((r) => r.at >= range.from && r.at < range.to);
  const captured = inRange.filter((r) => r.reason === null);
  const failed = inRange.filter((r) => r.reason !== null);
  const group = (key: (r: (typeof inRange)[number]) => string | null) => {
    const out = new Map<string, { attempts: number; captured: number; failed: number; reasons: Map<string, number> }>();
    for (const r of inRange) {
      const k = key(r);
      if (k === null) continue;
      const g = out.get(k) ?? { attempts: 0, captured: 0, failed: 0, reasons: new Map() };
      g.attempts++;
      if (r.reason === null) g.captured++;
      else {
        g.failed++;
        g.reasons.set(r.reason, (g.reasons.get(r.reason) ?? 0) + 1);
      }
      out.set(k, g);
    }
    return [...out.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, g]) => ({
        key: k,
        attempts: g.attempts,
        captured: g.captured,
        failed: g.failed,
        success_rate: g.captured / g.attempts,
        failure_reasons: [...g.reasons.entries()]
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
          .map(([reason, count]) => ({ reason, count })),
      }));
  };
  const failedOrders = new Map<string, Date>();
  for (const r of failed)
    if (!failedOrders.has(r.order) || (failedOrders.get(r.order) as Date) > r.at) failedOrders.set(r.order, r.at);
  const recovering = rows.filter(
    (r) => r.reason === null && failedOrders.has(r.order) && r.at > (failedOrders.get(r.order) as Date),
  );
  const waits = captured.map((r) => (r.at.getTime() - r.created.getTime()) / 1000).sort((a, b) => a - b);
  const quantile = (q: number) => {
    const pos = q * (waits.length - 1);
    const lo = Math.floor(pos);
    return (
      (waits[lo] as number) +
      (pos - lo) * ((waits[Math.min(lo + 1, waits.length - 1)] as number) - (waits[lo] as number))
    );
  };
  const refunded = REFUNDS.filter(([, p, , s]) => s !== 'failed' && captured.some((c) => c.id === p));
  const capturedAmount = captured.reduce((s, r) => s + r.amount, 0);
  const refundedAmount = refunded.reduce((s, r) => s + r[2], 0);
  return {
    attempts: { total: inRange.length, captured: captured.length, failed: failed.length, pending: 0 },
    success_rate: captured.length / inRange.length,
    captured_amount: capturedAmount,
    by_method: group((r) => METHODS[r.pm]?.type ?? null),
    by_bank: group((r) => (METHODS[r.pm]?.type === 'netbanking' ? (METHODS[r.pm]?.bank ?? 'unknown') : null)),
    by_network: group((r) => (METHODS[r.pm]?.type === 'card' ? (METHODS[r.pm]?.network ?? 'unknown') : null)),
    by_hour_ist: group((r) => String(new Date(r.at.getTime() + 330 * 60_000).getUTCHours()).padStart(2, '0')),
    retry_recovery: {
      orders_with_failure: failedOrders.size,
      recovered_orders: new Set(recovering.map((r) => r.order)).size,
      recovery_rate: new Set(recovering.map((r) => r.order)).size / failedOrders.size,
      revenue_recovered: recovering.reduce((s, r) => s + r.amount, 0),
    },
    time_to_success_seconds: { payments: waits.length, median: quantile(0.5), p90: quantile(0.9) },
    refunds: {
      refunded_payments: new Set(refunded.map((r) => r[1])).size,
      refund_rate: new Set(refunded.map((r) => r[1])).size / captured.length,
      refunded_amount: refundedAmount,
      refunded_share: refundedAmount / capturedAmount,
    },
  };
}

describe('getPaymentAnalytics', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestDb();
    await migrate(db, clock);
    await seed(db);
  });
  afterAll(async () => db.close());

  const day = { from: new Date('2026-06-30T18:30:00Z'), to: new Date('2026-07-01T18:30:00Z') };

  it('when asked for one IST day → every metric equals the one recomputed from the fixture', async () => {
    const a = await getPaymentAnalytics({ db, clock }, { from: '2026-07-01', to: '2026-07-01' });
    expect(a.from).toEqual(day.from);
    expect(a.to).toEqual(day.to);
    const { retry_recovery, ...rest } = expected(day);
    expect(a).toMatchObject(rest);
    expect(a.retry_recovery).toMatchObject(retry_recovery);
    // The same numbers, written out once by hand.
    expect(a.attempts).toEqual({ total: 9, captured: 5, failed: 4, pending: 0 });
    expect(a.retry_recovery).toMatchObject({ orders_with_failure: 3, recovered_orders: 2, revenue_recovered: 210_000 });
    expect(a.time_to_success_seconds).toEqual({ payments: 5, median: 100, p90: 1020 });
    expect(a.refunds).toMatchObject({ refunded_payments: 2, refunded_amount: 205_000 });
    expect(a.by_network.map((b) => b.key)).toEqual(['MasterCard', 'Visa']);
    expect(a.retry_recovery.recovered_by_retry_queue).toBe(0);
  });

  it('when filtered to one school → only its attempts count', async () => {
    const a = await getPaymentAnalytics({ db, clock }, { from: '2026-07-01', to: '2026-07-01', school_id: 'sch_2' });
    const { retry_recovery, ...rest } = expected(day, 'sch_2');
    expect(a).toMatchObject(rest);
    expect(a.retry_recovery).toMatchObject(retry_recovery);
    expect(a.attempts.total).toBe(5);
  });

  it('when the range holds nothing → rates are null, not NaN', async () => {
    const a = await getPaymentAnalytics({ db, clock }, { from: '2025-01-01', to: '2025-01-02' });
    expect(a).toMatchObject({ success_rate: null, attempts: { total: 0 }, by_method: [] });
    expect(a.time_to_success_seconds).toEqual({ payments: 0, median: null, p90: null });
    expect(a.retry_recovery.recovery_rate).toBeNull();
  });

  it('when from is not before to → invalid_range', async () => {
    await expect(getPaymentAnalytics({ db, clock }, { from: '2026-07-02', to: '2026-07-01' })).rejects.toMatchObject({
      code: 'invalid_range',
    });
  });
});

describe('GET /v1/analytics/payments', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await seed(h.db);
  });
  afterAll(async () => h.close());

  it('when called with analytics:read → the metrics as JSON; without the scope → 403; a bad date → 400', async () => {
    const key = await h.keyWith(['analytics:read']);
    const ok = await h.api('GET', '/v1/analytics/payments?from=2026-07-01&to=2026-07-01&school_id=sch_1', undefined, {
      authorization: `Bearer ${key}`,
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      object: 'payment_analytics',
      from: '2026-06-30T18:30:00.000Z',
      school_id: 'sch_1',
      attempts: { total: 4, captured: 2, failed: 2 },
    });
    const reader = await h.keyWith(['payments:read']);
    const forbidden = await h.api('GET', '/v1/analytics/payments', undefined, { authorization: `Bearer ${reader}` });
    expect(forbidden.status).toBe(403);
    const bad = await h.api('GET', '/v1/analytics/payments?from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('/query/from');
  });
});
