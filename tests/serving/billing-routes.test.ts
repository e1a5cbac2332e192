import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSubscriptions } from '../../data/seed-subscriptions.js';
import { fixedClock } from '../../platform/clock.js';
import { type Harness, startHarness } from '../support/harness.js';
import { simCustomer } from '../support/kosh-child.js';

describe('billing over HTTP', () => {
  const clock = fixedClock(new Date('2026-10-31T19:00:00Z')); // 1 Nov 2026 00:30 IST
  let h: Harness;
  let ids: string[];
  beforeAll(async () => {
    h = await startHarness({ clock });
    const gatewayCustomerId = await simCustomer(h.sim);
    const token = await h.tokenize(gatewayCustomerId);
    ids = (await seedSubscriptions(h.db, { count: 3, token: token.id, gatewayCustomerId, startAt: clock.now() })).ids;
    const declined = await h.tokenize(gatewayCustomerId, '4000000000000002');
    await seedSubscriptions(h.db, {
      count: 1,
      token: declined.id,
      gatewayCustomerId,
      startAt: clock.now(),
      prefix: 'bad',
    });
  });
  afterAll(async () => h.close());

  it('when POST /v1/billing/runs runs after period end → it answers the summary and the records are listed and filtered', async () => {
    clock.set(new Date('2026-11-30T19:00:00Z'));
    const run = await h.api('POST', '/v1/billing/runs');
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ due: 4, records_created: 4, paid: 3, failed: 1, advanced: 4 });
    const all = await h.api('GET', '/v1/billing/records?limit=2');
    expect(all.status).toBe(200);
    expect(all.body.data).toHaveLength(2);
    expect(all.body.has_more).toBe(true);
    const next = await h.api('GET', `/v1/billing/records?limit=10&starting_after=${all.body.data[1].id}`);
    expect(next.body.data).toHaveLength(2);
    const failed = await h.api('GET', '/v1/billing/records?status=failed');
    expect(failed.body.data).toHaveLength(1);
    expect(failed.body.data[0]).toMatchObject({ status: 'failed', decline_code: 'card_declined', attempts: 1 });
    const one = await h.api('GET', `/v1/billing/records?subscription_id=${ids[0]}`);
    expect(one.body.data).toHaveLength(1);
    const record = await h.api('GET', `/v1/billing/records/${one.body.data[0].id}`);
    expect(record.body).toMatchObject({
      object: 'billing_record',
      subscription_id: ids[0],
      period_index: 0,
      status: 'paid',
      amount: 250_000,
      idempotency_key: `bill_${one.body.data[0].id}_0`,
    });
    expect(record.body.invoice_id).toMatch(/^inv_/);
    const missing = await h.api('GET', '/v1/billing/records/bil_nope');
    expect(missing.status).toBe(404);
    const bad = await h.api('GET', '/v1/billing/records?status=lost');
    expect(bad.status).toBe(400);
    await h.settle();
    expect((await h.api('GET', '/v1/ledger/balances')).body.balanced).toBe(true);
    // The simulator's payment.captured webhooks reached kosh too: the captures are still posted once each.
    const posted = await h.db.one<{ n: number }>(
      "SELECT count(*)::INTEGER AS n FROM journal_entries WHERE kind = 'capture'",
    );
    expect(posted?.n).toBe(3);
  });

  it("when a billing run's payment and order are asked for by their ids → kosh's own routes accept the ids it issued", async () => {
    const record = (await h.api('GET', `/v1/billing/records?subscription_id=${ids[1]}`)).body.data[0];
    expect(record.payment_id).toMatch(/^bill_/);
    expect(record.order_id).toMatch(/^ord_bil_/);
    const payment = await h.api('GET', `/v1/payments/${record.payment_id}`);
    expect(payment.status).toBe(200);
    expect(payment.body).toMatchObject({ id: record.payment_id, order_id: record.order_id, status: 'captured' });
    expect((await h.api('GET', `/v1/orders/${record.order_id}`)).body).toMatchObject({ status: 'paid' });
    expect((await h.api('GET', `/v1/payments?order_id=${record.order_id}`)).body.data).toHaveLength(1);
    const refund = await h.api('POST', '/v1/refunds', { payment_id: record.payment_id, amount: 10_000 });
    expect(refund.status).toBe(201);
    expect((await h.api('GET', `/v1/refunds?payment_id=${record.payment_id}`)).body.data).toHaveLength(1);
  });
});
