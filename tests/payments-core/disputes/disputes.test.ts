import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineFraudFeatures } from '../../../features/fraud/offline-features.js';
import { applyGatewayDispute } from '../../../payments-core/disputes/apply-gateway-dispute.js';
import type { GatewayDispute } from '../../../payments-core/gateway/port.js';
import { measureAlertRules } from '../../../payments-core/monitoring/evaluate-alerts.js';
import { DEFAULT_ALERT_SETTINGS } from '../../../payments-core/monitoring/types.js';
import { fixedClock } from '../../../platform/clock.js';
import { createLog } from '../../../platform/log.js';
import { type Harness, KEY_ID, KEY_SECRET, seedParent, startHarness } from '../../support/harness.js';

/**
 * Disputes (chargebacks) through the real razorpay SDK and the simulator's Disputes API: the parent's bank raises one
 * (the simulator's stand-in), Razorpay's signed `payment.dispute.*` webhooks record it, the school accepts or contests
 * it, and a loss leaves the school payable exactly once.
 */
describe('disputes: raised by the bank, accepted or contested, lost or won', () => {
  let h: Harness;
  let parent: Awaited<ReturnType<typeof seedParent>>;
  beforeAll(async () => {
    h = await startHarness();
    parent = await seedParent(h);
  });
  afterAll(async () => h.close());

  const simCall = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${h.sim.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`,
      },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };

  /** A captured card payment of `amount` paise. */
  async function capturedPayment(amount: number) {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount });
    const payment = await h.api('POST', '/v1/payments', {
      order_id: order.body.id,
      payment_method_id: parent.methodId,
    });
    expect(payment.body).toMatchObject({ status: 'captured' });
    await h.settle();
    return payment.body as { id: string; gateway_payment_id: string };
  }

  async function disputeOf(paymentId: string) {
    const list = await h.api('GET', `/v1/disputes?payment_id=${paymentId}`);
    expect(list.status).toBe(200);
    return list.body.data[0];
  }

  const balances = async () => {
    const ledger = await h.api('GET', '/v1/ledger/balances');
    expect(ledger.body.balanced).toBe(true);
    const of = (account: string): number =>
      ledger.body.accounts.find((a: { account: string }) => a.account === account)?.balance ?? 0;
    return { schoolPayable: of('school_payable'), clearing: of('gateway_clearing') };
  };
  const lossEntries = (disputeId: string) =>
    h.db.all("SELECT id FROM journal_entries WHERE kind = 'dispute_lost' AND ref_id = $id", { id: disputeId });

  it('when the bank raises a chargeback and the school accepts it → lost once: the school payable and the gateway clearing each fall by the amount, and the disputed amount can no longer be refunded', async () => {
    const payment = await capturedPayment(110_000);
    await simCall(`/v1/sim/payments/${payment.gateway_payment_id}/disputes`, {
      phase: 'chargeback',
      reason_code: 'chargeback',
      amount: 60_000,
    });
    await h.settle();
    const opened = await disputeOf(payment.id);
    expect(opened).toMatchObject({ status: 'open', phase: 'chargeback', amount: 60_000, amount_deducted: 0 });
    expect(opened.gateway_dispute_id).toMatch(/^disp_/);
    expect(new Date(opened.respond_by).getTime()).toBeGreaterThan(new Date(opened.created_at).getTime());

    // What the dispute holds is the bank's to return: only the rest can be refunded.
    const tooMuch = await h.api('POST', '/v1/refunds', { payment_id: payment.id, amount: 50_001 });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.code).toBe('refund_exceeds_captured');

    const before = await balances();
    const accepted = await h.api('POST', `/v1/disputes/${opened.id}/accept`, {});
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: 'lost', amount_deducted: 60_000 });
    expect(accepted.body.journal_entry_id).toBe(`je_dispute_${opened.id}`);
    await h.settle(); // payment.dispute.lost arrives too: nothing more is posted
    expect(await lossEntries(opened.id)).toHaveLength(1);
    const after = await balances();
    expect(after.schoolPayable - before.schoolPayable).toBe(60_000);
    expect(after.clearing - before.clearing).toBe(-60_000);
    const lines = await h.db.all<{ account: string; school_id: string | null; amount: string }>(
      'SELECT account, school_id, amount_minor::text AS amount FROM journal_lines WHERE entry_id = $id ORDER BY account',
      { id: accepted.body.journal_entry_id },
    );
    expect(lines).toEqual([
      { account: 'gateway_clearing', school_id: null, amount: '-60000' },
      { account: 'school_payable', school_id: parent.schoolId, amount: '60000' },
    ]);

    const again = await h.api('POST', `/v1/disputes/${opened.id}/accept`, {});
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('dispute_not_open');
    const rest = await h.api('POST', '/v1/refunds', { payment_id: payment.id, amount: 50_000 });
    expect(rest.status).toBe(201);
  });

  it('when the school contests with its explanation and the bank decides for it → under review, then won: nothing posted, the payment refundable again', async () => {
    const payment = await capturedPayment(90_000);
    await simCall(`/v1/sim/payments/${payment.gateway_payment_id}/disputes`, { phase: 'chargeback' });
    await h.settle();
    const opened = await disputeOf(payment.id);
    const summary = 'Lunch was served on every school day of the month; attendance register on file.';
    const contested = await h.api('POST', `/v1/disputes/${opened.id}/contest`, { summary });
    expect(contested.status).toBe(200);
    expect(contested.body).toMatchObject({ status: 'under_review', evidence_summary: summary });
    await simCall(`/v1/sim/disputes/${opened.gateway_dispute_id}/decide`, { outcome: 'won' });
    await h.settle();
    expect((await h.api('GET', `/v1/disputes/${opened.id}`)).body).toMatchObject({
      status: 'won',
      amount_deducted: 0,
      journal_entry_id: null,
    });
    expect(await lossEntries(opened.id)).toEqual([]);
    const refund = await h.api('POST', '/v1/refunds', { payment_id: payment.id, amount: 90_000 });
    expect(refund.status).toBe(201);
  });

  it('when the bank decides a fraud dispute against the school → payment.dispute.lost alone posts the loss, and the payment is a fraud label (an ordinary chargeback is not)', async () => {
    const payment = await capturedPayment(70_000);
    await simCall(`/v1/sim/payments/${payment.gateway_payment_id}/disputes`, { phase: 'fraud', reason_code: 'fraud' });
    await h.settle();
    const opened = await disputeOf(payment.id);
    expect(opened).toMatchObject({ phase: 'fraud', reason_code: 'fraud' });
    const before = await balances();
    await simCall(`/v1/sim/disputes/${opened.gateway_dispute_id}/decide`, { outcome: 'lost' });
    await h.settle();
    expect((await h.api('GET', `/v1/disputes/${opened.id}`)).body).toMatchObject({
      status: 'lost',
      amount_deducted: 70_000,
    });
    expect(await lossEntries(opened.id)).toHaveLength(1);
    expect((await balances()).schoolPayable - before.schoolPayable).toBe(70_000);

    const set = await offlineFraudFeatures({ db: h.db });
    const label = (id: string) => set.labels[set.ids.indexOf(id)];
    expect(label(payment.id)).toBe(1);
    const chargebacks = await h.api('GET', '/v1/disputes?status=lost');
    const ordinary = chargebacks.body.data.find((d: { phase: string }) => d.phase === 'chargeback');
    expect(ordinary).toBeDefined();
    expect(label(ordinary.payment_id)).toBe(0);
  });

  it('when webhooks come out of order or twice → an older state never overrides a newer one, a decided dispute never reopens, and a loss posts once', async () => {
    const payment = await capturedPayment(50_000);
    const base: GatewayDispute = {
      id: 'disp_OutOfOrder0001',
      paymentId: payment.gateway_payment_id,
      amount: 50_000,
      amountDeducted: 0,
      currency: 'INR',
      reasonCode: 'chargeback',
      reasonDescription: null,
      phase: 'chargeback',
      status: 'open',
      respondBy: 1_800_000_000,
      evidenceSummary: null,
      createdAt: 1_765_000_000,
    };
    const t = (s: number) => new Date((1_765_000_000 + s) * 1000);
    const apply = (g: GatewayDispute, at: Date) => h.db.transaction((tx) => applyGatewayDispute(tx, g, at, new Date()));
    const id = await apply({ ...base, status: 'under_review', evidenceSummary: 'served' }, t(20));
    await apply(base, t(0)); // the opening, delivered late
    expect((await h.api('GET', `/v1/disputes/${id}`)).body.status).toBe('under_review');
    await apply({ ...base, status: 'lost', amountDeducted: 50_000 }, t(40));
    await apply({ ...base, status: 'lost', amountDeducted: 50_000 }, t(40)); // twice
    await apply({ ...base, status: 'open' }, t(60)); // a newer opening cannot reopen a decided dispute
    expect((await h.api('GET', `/v1/disputes/${id}`)).body).toMatchObject({ status: 'lost', amount_deducted: 50_000 });
    expect(await lossEntries(String(id))).toHaveLength(1);
    // A dispute on a payment kosh does not know waits (the inbox leaves its event unmatched).
    expect(await apply({ ...base, id: 'disp_Unknown0001', paymentId: 'pay_NotKnown000001' }, t(0))).toBeNull();
  });

  it('when input is bad → 4xx problem+json naming the field, nothing changed', async () => {
    const payment = await capturedPayment(40_000);
    await simCall(`/v1/sim/payments/${payment.gateway_payment_id}/disputes`, {});
    await h.settle();
    const opened = await disputeOf(payment.id);
    const empty = await h.api('POST', `/v1/disputes/${opened.id}/contest`, { summary: '' });
    expect(empty.status).toBe(400); // the schema's refusal, the field named
    expect(JSON.stringify(empty.body.errors)).toContain('summary');
    const over = await h.api('POST', `/v1/disputes/${opened.id}/contest`, { summary: 'served', amount: 40_001 });
    expect(over.status).toBe(422);
    expect(over.body.errors[0].field).toBe('/amount');
    expect((await h.api('GET', '/v1/disputes/dsp_Nope00000000')).status).toBe(404);
    const badStatus = await h.api('GET', '/v1/disputes?status=pending');
    expect(badStatus.status).toBe(400);
    expect(JSON.stringify(badStatus.body.errors)).toContain('status');
    expect((await h.api('GET', `/v1/disputes/${opened.id}`)).body).toMatchObject({ status: 'open' });
  });

  it('when an open dispute is within a day of its respond-by date → the disputes_due alert says so; days before, it is clear', async () => {
    const payment = await capturedPayment(30_000);
    await simCall(`/v1/sim/payments/${payment.gateway_payment_id}/disputes`, {});
    await h.settle();
    const opened = await disputeOf(payment.id);
    const respondBy = new Date(opened.respond_by).getTime();
    const dueAt = async (now: number) => {
      const deps = { db: h.db, clock: fixedClock(new Date(now)), log: createLog({ level: 'silent' }) };
      const verdicts = await measureAlertRules(deps, new Date(now), DEFAULT_ALERT_SETTINGS);
      return verdicts.find((v) => v.rule.name === 'disputes_due');
    };
    // Every other open dispute of this file is due at about the same time or later: count this one's neighbourhood.
    const open = (await h.api('GET', '/v1/disputes?status=open')).body.data as { respond_by: string }[];
    const dueBy = (t: number) => open.filter((d) => new Date(d.respond_by).getTime() < t + 24 * 3_600_000).length;
    expect(await dueAt(respondBy - 23 * 3_600_000)).toMatchObject({
      severity: 'warning',
      measurement: { value: dueBy(respondBy - 23 * 3_600_000) },
    });
    expect((await dueAt(respondBy - 23 * 3_600_000))?.measurement.value).toBeGreaterThanOrEqual(1);
    const early = respondBy - 72 * 3_600_000;
    expect(dueBy(early)).toBe(0);
    expect(await dueAt(early)).toMatchObject({ severity: null, measurement: { value: 0 } });
    await h.api('POST', `/v1/disputes/${opened.id}/accept`, {});
    expect((await dueAt(respondBy - 23 * 3_600_000))?.measurement.value).toBe(dueBy(respondBy - 23 * 3_600_000) - 1);
  });
});
