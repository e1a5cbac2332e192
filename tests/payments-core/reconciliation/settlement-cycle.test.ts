import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentGateway } from '../../../payments-core/gateway/port.js';
import { createRazorpayGateway } from '../../../payments-core/gateway/razorpay-gateway.js';
import { reconcileGatewayDay } from '../../../payments-core/reconciliation/reconcile-gateway-day.js';
import { reconcileSettlements } from '../../../payments-core/reconciliation/reconcile-settlements.js';
import { fixedClock } from '../../../platform/clock.js';
import { type Harness, KEY_ID, KEY_SECRET, seedParent, startHarness } from '../../support/harness.js';

/** An IST wall-clock time. */
const ist = (dayTime: string) => new Date(`${dayTime}+05:30`);
const unixIst = (dayTime: string) => ist(dayTime).getTime() / 1000;

// Friday 11 Dec 2026; Saturday the 12th is the month's second Saturday, so T+2 working days is Tuesday the 15th.
// Monday the 14th's captures settle on Wednesday the 16th.
describe('settlements on a T+2 working-day cycle, reported and reconciled by settlement date', () => {
  const clock = fixedClock(ist('2026-12-11T10:00:00'));
  let h: Harness;
  let gateway: PaymentGateway;
  const friday: string[] = [];
  let monday = '';
  let refundId = '';
  let jobRunId = '';
  const deps = () => ({ db: h.db, clock, gateway });
  const report = (day: string) => {
    const [year, month, d] = day.split('-').map(Number);
    return gateway.fetchSettlementReport({ year: year as number, month: month as number, day: d as number });
  };
  const balance = async (account: string) =>
    Number(
      (
        await h.db.one<{ b: number | null }>(
          'SELECT sum(amount_minor)::BIGINT AS b FROM journal_lines WHERE account = $account',
          { account },
        )
      )?.b ?? 0,
    );
  const settlementEntries = async () =>
    (await h.db.all<{ id: string }>("SELECT id FROM journal_entries WHERE kind = 'settlement' ORDER BY id")).map(
      (e) => e.id,
    );

  beforeAll(async () => {
    h = await startHarness({ clock });
    gateway = createRazorpayGateway({ keyId: KEY_ID, keySecret: KEY_SECRET, apiUrl: h.sim.url });
    const parent = await seedParent(h);
    const pay = async (amount: number) => {
      const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount });
      const payment = await h.api('POST', '/v1/payments', {
        order_id: order.body.id,
        payment_method_id: parent.methodId,
      });
      expect(payment.body.status).toBe('captured');
      return payment.body as { id: string; gateway_payment_id: string };
    };
    const first = await pay(100_000);
    friday.push(first.gateway_payment_id, (await pay(40_000)).gateway_payment_id);
    const refund = await h.api('POST', '/v1/refunds', { payment_id: first.id, amount: 10_000 });
    expect(refund.status).toBe(201);
    await h.settle();
    refundId = (await h.api('GET', `/v1/refunds/${refund.body.id}`)).body.gateway_refund_id;
    clock.set(ist('2026-12-14T11:00:00'));
    monday = (await pay(20_000)).gateway_payment_id;
    await h.settle();
  });
  afterAll(async () => h.close());

  it('when a capture is made on Friday (IST) → it is in no report until Tuesday, whose report holds it settled that day; the daily runs show nothing missing in between', async () => {
    // Monday night: nothing captured on Friday has settled yet, not even in Tuesday's report.
    clock.set(ist('2026-12-14T23:00:00'));
    for (const day of ['2026-12-11', '2026-12-12', '2026-12-13', '2026-12-14', '2026-12-15']) {
      expect(await report(day)).toEqual([]);
    }
    // The daily job at 06:00 reconciles yesterday: Saturday, Sunday and Monday expect nothing of Friday's.
    for (const [now, day] of [
      ['2026-12-13T06:00:00', '2026-12-12'],
      ['2026-12-14T06:00:00', '2026-12-13'],
      ['2026-12-15T06:00:00', '2026-12-14'],
    ] as const) {
      clock.set(ist(now));
      const run = await reconcileSettlements(deps(), { now: ist(now) });
      expect(run).toMatchObject({ report_date: day, report_lines: 0, missing_at_gateway: 0, open: 0 });
    }

    // Tuesday: the settlement of Friday's captures and refund, made that day.
    const tuesday = await report('2026-12-15');
    expect(tuesday.map((e) => e.entityId).sort()).toEqual([...friday, refundId].sort());
    for (const line of tuesday) {
      expect(line.settlementId).toBe('setl_Sim20261215');
      expect(line.settledAt).toBeGreaterThanOrEqual(unixIst('2026-12-15T00:00:00'));
      expect(line.settledAt).toBeLessThan(unixIst('2026-12-16T00:00:00'));
    }
    expect(tuesday.some((e) => e.entityId === monday)).toBe(false);

    clock.set(ist('2026-12-16T06:00:00'));
    const run = await reconcileSettlements(deps(), { now: ist('2026-12-16T06:00:00') });
    expect(run).toMatchObject({
      report_date: '2026-12-15',
      report_lines: 3,
      matched: 3,
      missing_at_gateway: 0,
      missing_in_kosh: 0,
      settlement_mismatch: 0,
      settlements_booked: 1,
    });
    jobRunId = String(run['run_id']);
    // The month's report, by settlement date, holds Tuesday's and (now that its day has come) Wednesday's.
    const month = await gateway.fetchSettlementReport({ year: 2026, month: 12 });
    expect(month.map((e) => e.entityId).sort()).toEqual([...friday, refundId, monday].sort());
  });

  it('when the same settlement day is reconciled twice, two of them at once → the settlement is booked to the bank once; the ledger sums to zero and clearing holds what the gateway still holds', async () => {
    // Tuesday's settlement was booked by the daily job above; two more runs at once and one over HTTP book nothing.
    await Promise.all([
      reconcileGatewayDay(deps(), { date: '2026-12-15' }),
      reconcileGatewayDay(deps(), { date: '2026-12-15' }),
    ]);
    const again = await h.api('POST', '/v1/reconciliation/runs/from-gateway', { date: '2026-12-15' });
    expect(again.status).toBe(201);
    expect(again.body.settlements_booked).toEqual([]);
    expect(await settlementEntries()).toEqual(['je_settlement_setl_Sim20261215']);
    const tuesday = await gateway.fetchSettlement('setl_Sim20261215');
    const booked = await h.db.all('SELECT id, utr, amount_minor FROM gateway_settlements');
    expect(booked).toEqual([{ id: 'setl_Sim20261215', utr: tuesday.utr, amount_minor: tuesday.amount }]);
    // The daily job's run booked it, and says so.
    const detail = await h.api('GET', `/v1/reconciliation/runs/${jobRunId}`);
    expect(detail.body.settlements_booked).toEqual([
      {
        id: 'setl_Sim20261215',
        utr: tuesday.utr,
        amount: tuesday.amount,
        currency: 'INR',
        journal_entry_id: 'je_settlement_setl_Sim20261215',
      },
    ]);
    expect(await balance('bank')).toBe(tuesday.amount);

    const balances = await h.api('GET', '/v1/ledger/balances');
    expect(balances.body.balanced).toBe(true);
    // What is captured but not settled: Monday's capture, net of its fee, which the gateway settles on Wednesday.
    const wednesday = await gateway.fetchSettlement('setl_Sim20261216');
    expect(await balance('gateway_clearing')).toBe(wednesday.amount);
    const account = (name: string) =>
      balances.body.accounts.find((a: { account: string; balance: number }) => a.account === name)?.balance;
    expect(account('gateway_clearing')).toBe(wednesday.amount);
    expect(account('bank')).toBe(tuesday.amount);
    const captured = await h.db.one<{ net: number }>(
      "SELECT sum(captured_minor - coalesce(fee_minor, 0))::BIGINT AS net FROM payments WHERE status = 'captured'",
    );
    expect(await balance('gateway_clearing')).toBe(Number(captured?.net) - 10_000 - tuesday.amount);
  });

  it("when a settlement's lines do not add up to its bank credit → it is not booked and stays an open item; reported right, it is booked", async () => {
    h.sim.misreport({ alter_amount: { [monday]: 100 } });
    const run = await reconcileGatewayDay(deps(), { date: '2026-12-16' });
    const mismatch = run.summary.find((s) => s.status === 'settlement_mismatch');
    expect(mismatch).toMatchObject({ items: 1, open: 1 });
    expect(run.settlements_booked).toEqual([]);
    expect(await settlementEntries()).toEqual(['je_settlement_setl_Sim20261215']);
    expect(await balance('gateway_clearing')).toBeGreaterThan(0);

    // Reported right, reconciled by two processes at once: booked once.
    h.sim.misreport({});
    await Promise.all([
      reconcileGatewayDay(deps(), { date: '2026-12-16' }),
      reconcileGatewayDay(deps(), { date: '2026-12-16' }),
    ]);
    expect(await settlementEntries()).toEqual(['je_settlement_setl_Sim20261215', 'je_settlement_setl_Sim20261216']);
    expect(await balance('gateway_clearing')).toBe(0);
    expect((await h.api('GET', '/v1/ledger/balances')).body.balanced).toBe(true);
    // The gateway's list of settlements made agrees: both, newest first.
    const listed = await fetch(`${h.sim.url}/v1/settlements?count=10`, {
      headers: { authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}` },
    });
    const body = (await listed.json()) as { items: { id: string; amount: number }[] };
    expect(body.items.map((s) => s.id)).toEqual(['setl_Sim20261216', 'setl_Sim20261215']);
    expect(body.items.reduce((n, s) => n + s.amount, 0)).toBe(await balance('bank'));
  });
});
