import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargeDueInstallments } from '../../../payments-core/installments/charge-due-installments.js';
import { drainRetries } from '../../../payments-core/retries/drain-retries.js';
import { enqueueRetry } from '../../../payments-core/retries/enqueue-retry.js';
import { fixedClock } from '../../../platform/clock.js';
import { AppError } from '../../../platform/errors.js';
import { createLog } from '../../../platform/log.js';
import { seededRandom } from '../../../platform/random.js';
import {
  type Harness,
  KEY_ID,
  KEY_SECRET,
  SUCCESS_CARD,
  saveCard,
  seedParent,
  startHarness,
} from '../../support/harness.js';

const INSUFFICIENT_FUNDS = '4000000000009995';
const CARD_DECLINED = '4000000000000002';
const GATEWAY_ERROR = '4000000000000259';

describe('retry queue', () => {
  const clock = fixedClock(new Date('2026-11-02T05:00:00Z'));
  let h: Harness;
  const deps = () => ({
    db: h.db,
    clock,
    gateway: h.gateway,
    log: createLog({ level: 'silent' }),
    random: seededRandom(5),
  });

  async function gatewayPayments(orderId: string): Promise<{ status: string; notes: unknown }[]> {
    const order = (await h.api('GET', `/v1/orders/${orderId}`)).body;
    const res = await fetch(`${h.sim.url}/v1/orders/${order.gateway_order_id}/payments`, {
      headers: { authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}` },
    });
    return ((await res.json()) as { items: { status: string; notes: unknown }[] }).items;
  }

  /** A parent paying with `card`, an order of `amount` in two installments, the first due now and charged. */
  async function failedFirstInstallment(card: string, amount = 80_000) {
    const parent = await seedParent(h, card);
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount });
    const plan = await h.api('POST', `/v1/orders/${order.body.id}/installments`, {
      count: 2,
      first_due_at: clock.now().toISOString(),
    });
    await chargeDueInstallments(deps(), { now: clock.now() });
    const installment = (await h.api('GET', `/v1/installment-plans/${plan.body.id}`)).body.installments[0];
    const retry = (await h.api('GET', '/v1/retries?limit=100')).body.data.find(
      (r: { source_id: string }) => r.source_id === installment.id,
    );
    return { parent, plan: plan.body, installment, retry };
  }

  beforeAll(async () => {
    h = await startHarness({ clock });
  });
  afterAll(async () => h.close());

  it('when an installment fails on a soft decline → it is retried later with its own key and succeeds once the parent switches card', async () => {
    const { parent, plan, installment, retry } = await failedFirstInstallment(INSUFFICIENT_FUNDS);
    expect(installment).toMatchObject({ status: 'retrying', last_error_code: 'insufficient_funds' });
    expect(retry).toMatchObject({ state: 'scheduled', attempts: 0, source_type: 'installment', amount: 40_000 });
    expect(new Date(retry.next_attempt_at).getTime()).toBeGreaterThan(clock.now().getTime());
    expect((await h.api('GET', `/v1/installment-plans/${plan.id}`)).body.status).toBe('past_due');

    // Not due yet: nothing happens.
    expect(await drainRetries(deps(), { now: clock.now() })).toMatchObject({ scanned: 0 });

    await saveCard(h, parent.customerId, SUCCESS_CARD, { isDefault: true });
    clock.set(new Date(retry.next_attempt_at));
    expect(await drainRetries(deps(), { now: clock.now() })).toMatchObject({ succeeded: 1, errors: 0 });
    const after = (await h.api('GET', `/v1/retries/${retry.id}`)).body;
    expect(after).toMatchObject({ state: 'succeeded', attempts: 1, last_payment_id: `pay_${retry.id.slice(4)}R1` });
    const attempts = await h.db.all<{ idempotency_key: string; outcome: string }>(
      'SELECT idempotency_key, outcome FROM retry_attempts WHERE retry_id = $id',
      { id: retry.id },
    );
    expect(attempts).toEqual([{ idempotency_key: `${retry.id}:1`, outcome: 'captured' }]);
    const view = (await h.api('GET', `/v1/installment-plans/${plan.id}`)).body;
    expect(view.installments[0].status).toBe('paid');
    expect(view.status).toBe('partially_paid');
    expect((await gatewayPayments(installment.order_id)).map((p) => p.status)).toEqual(['failed', 'captured']);
    expect(await drainRetries(deps(), { now: clock.now() })).toMatchObject({ scanned: 0 });
  });

  it('when a batch of due retries is drained several at a time → each ends as its card says, each attempt charged once', async () => {
    const failed = [];
    for (let i = 0; i < 6; i++) failed.push(await failedFirstInstallment(INSUFFICIENT_FUNDS));
    // Half the parents switch to a working card; the others still lack funds.
    for (const f of failed.slice(0, 3)) await saveCard(h, f.parent.customerId, SUCCESS_CARD, { isDefault: true });
    const due = Math.max(...failed.map((f) => new Date(f.retry.next_attempt_at).getTime()));
    clock.set(new Date(due));
    const summary = await drainRetries(deps(), { now: clock.now(), concurrency: 4 });
    expect(summary).toMatchObject({ errors: 0 });
    for (const [i, f] of failed.entries()) {
      const item = (await h.api('GET', `/v1/retries/${f.retry.id}`)).body;
      expect(item).toMatchObject({ state: i < 3 ? 'succeeded' : 'scheduled', attempts: 1 });
      const payments = (await gatewayPayments(f.installment.order_id)).map((p) => p.status);
      expect(payments).toEqual(i < 3 ? ['failed', 'captured'] : ['failed', 'failed']);
    }
    // The tests below count what is due: the still-failing three leave the queue.
    for (const f of failed.slice(3)) expect((await h.api('POST', `/v1/retries/${f.retry.id}/cancel`)).status).toBe(200);
  });

  it('when the decline is hard (card_declined) → no retry is made: the item is dead with its reason and the plan failed', async () => {
    const { plan, installment, retry } = await failedFirstInstallment(CARD_DECLINED);
    expect(installment.status).toBe('failed');
    expect(retry).toMatchObject({
      state: 'dead',
      attempts: 0,
      reason: 'hard_decline:card_declined',
      next_attempt_at: null,
    });
    expect((await h.api('GET', `/v1/installment-plans/${plan.id}`)).body.status).toBe('suspended');
    clock.advance(30 * 86_400_000);
    await drainRetries(deps(), { now: clock.now() });
    expect(await gatewayPayments(installment.order_id)).toHaveLength(1);
    const dead = (await h.api('GET', '/v1/retries?state=dead')).body.data;
    expect(dead.map((r: { id: string }) => r.id)).toContain(retry.id);

    const requeued = await h.api('POST', `/v1/retries/${retry.id}/requeue`);
    expect(requeued.body).toMatchObject({ state: 'scheduled', max_attempts: 4 });
    expect((await h.api('GET', `/v1/installment-plans/${plan.id}`)).body.installments[0].status).toBe('retrying');
    const cancelled = await h.api('POST', `/v1/retries/${retry.id}/cancel`);
    expect(cancelled.body).toMatchObject({ state: 'cancelled', reason: 'cancelled_by_operator' });
    expect((await h.api('POST', `/v1/retries/${retry.id}/cancel`)).status).toBe(200);
    expect((await h.api('POST', '/v1/retries/rty_missing0000000/requeue')).status).toBe(404);
  });

  it('when an installment is dead-lettered → the plan is suspended and alerts, no further installment is charged until an operator requeues it', async () => {
    const { parent, plan, installment, retry } = await failedFirstInstallment(CARD_DECLINED);
    expect(retry.state).toBe('dead');
    expect((await h.api('GET', `/v1/installment-plans/${plan.id}`)).body.status).toBe('suspended');
    const open = (await h.api('GET', '/v1/alerts')).body.data;
    expect(open).toEqual([
      expect.objectContaining({ rule: 'installment_plans_suspended', status: 'open', severity: 'warning' }),
    ]);
    expect(open[0].value).toBeGreaterThanOrEqual(1);
    expect(open[0].summary).toContain(plan.id);

    // The second installment falls due on the same failing card: it is not charged.
    const second = plan.installments[1];
    clock.set(new Date(second.due_at));
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ paid: 0, failed: 0 });
    expect((await h.api('GET', `/v1/installment-plans/${plan.id}`)).body.installments[1].status).toBe('scheduled');
    expect(await h.db.all('SELECT id FROM payments WHERE order_id = $o', { o: second.order_id })).toHaveLength(0);

    // The parent adds a card, the operator requeues the dead item: the plan resumes and is paid.
    await saveCard(h, parent.customerId, SUCCESS_CARD, { isDefault: true });
    expect((await h.api('POST', `/v1/retries/${retry.id}/requeue`)).status).toBe(200);
    expect((await h.api('GET', `/v1/installment-plans/${plan.id}`)).body.status).toBe('past_due');
    expect(await drainRetries(deps(), { now: clock.now() })).toMatchObject({ succeeded: 1 });
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ paid: 1 });
    expect((await h.api('GET', `/v1/installment-plans/${plan.id}`)).body.status).toBe('paid');
    expect(installment.status).toBe('failed');
  });

  it('when every soft retry fails → after the last attempt the item is dead-lettered with its reason, each attempt one payment', async () => {
    const { installment, retry } = await failedFirstInstallment(GATEWAY_ERROR);
    let item = retry;
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      expect(item.state).toBe('scheduled');
      const due = new Date(item.next_attempt_at);
      waits.push(due.getTime() - clock.now().getTime());
      clock.set(due);
      await drainRetries(deps(), { now: clock.now() });
      item = (await h.api('GET', `/v1/retries/${retry.id}`)).body;
      expect(item.attempts).toBe(attempt);
    }
    expect(item).toMatchObject({ state: 'dead', reason: 'max_attempts_reached:gateway_technical_error' });
    expect((await h.api('GET', `/v1/installment-plans/${installment.plan_id}`)).body.installments[0].status).toBe(
      'failed',
    );
    const payments = await gatewayPayments(installment.order_id);
    expect(payments).toHaveLength(5);
    expect(new Set(payments.map((p) => JSON.stringify(p.notes))).size).toBe(5);
    clock.advance(10 * 86_400_000);
    expect(await drainRetries(deps(), { now: clock.now() })).toMatchObject({ scanned: 0 });
  });

  it('when a payoff is declined → it is cancelled with its code and the plan keeps its installments; a later payoff with a good card pays it off', async () => {
    const { parent, plan, retry } = await failedFirstInstallment(INSUFFICIENT_FUNDS, 50_000);
    const declined = await h.api('POST', `/v1/installment-plans/${plan.id}/payoff`, {});
    expect(declined.status).toBe(200);
    expect(declined.body.installments[2]).toMatchObject({
      kind: 'payoff',
      status: 'cancelled',
      last_error_code: 'insufficient_funds',
    });
    expect(declined.body).toMatchObject({ status: 'past_due', amount_remaining: 50_000 });
    const stale = await h.api('POST', '/v1/payments', {
      order_id: declined.body.installments[2].order_id,
      payment_method_id: parent.methodId,
    });
    expect(stale.body.code).toBe('installment_closed');

    const good = await saveCard(h, parent.customerId);
    const paid = await h.api('POST', `/v1/installment-plans/${plan.id}/payoff`, { payment_method_id: good.methodId });
    expect(paid.body).toMatchObject({ status: 'paid', amount_paid: 50_000 });
    expect(paid.body.installments.map((i: { status: string }) => i.status)).toEqual([
      'superseded',
      'superseded',
      'cancelled',
      'paid',
    ]);
    expect((await h.api('GET', `/v1/retries/${retry.id}`)).body).toMatchObject({
      state: 'cancelled',
      reason: 'paid_off',
    });
  });

  it('when a retry attempt is in flight → payoff and cancel of the plan are refused (409) so nothing is charged twice', async () => {
    const { plan, retry } = await failedFirstInstallment(INSUFFICIENT_FUNDS, 30_000);
    await h.db.run("UPDATE retry_items SET state = 'processing' WHERE id = $id", { id: retry.id });
    expect((await h.api('POST', `/v1/installment-plans/${plan.id}/payoff`, {})).body.code).toBe('payment_in_progress');
    expect((await h.api('POST', `/v1/installment-plans/${plan.id}/cancel`)).body.code).toBe('payment_in_progress');
    await h.db.run("UPDATE retry_items SET state = 'scheduled' WHERE id = $id", { id: retry.id });
    expect((await h.api('POST', `/v1/installment-plans/${plan.id}/cancel`)).body.status).toBe('cancelled');
    expect((await h.api('GET', `/v1/retries/${retry.id}`)).body).toMatchObject({
      state: 'cancelled',
      reason: 'plan_cancelled',
    });
  });

  it('when a source is one Razorpay retries itself (razorpay_subscription) → enqueueing is refused', async () => {
    await expect(
      h.db.transaction((tx) =>
        enqueueRetry(
          tx,
          {
            source_type: 'razorpay_subscription',
            source_id: 'sub_X',
            origin_key: 'pay_X',
            order_id: 'ord_X',
            customer_id: 'cus_X',
            payment_method_id: null,
            amount: 10_000,
            currency: 'INR',
            error_reason: 'insufficient_funds',
            error_code: 'BAD_REQUEST_ERROR',
          },
          clock.now(),
        ),
      ),
    ).rejects.toSatisfy((e) => e instanceof AppError && e.code === 'source_retried_by_gateway');
  });

  it('when retries are listed → cursor pagination and a state filter', async () => {
    const page = await h.api('GET', '/v1/retries?limit=1');
    expect(page.body).toMatchObject({ object: 'list', has_more: true });
    const next = await h.api('GET', `/v1/retries?limit=1&starting_after=${page.body.data[0].id}`);
    expect(next.body.data[0].id).not.toBe(page.body.data[0].id);
    expect((await h.api('GET', '/v1/retries?state=bogus')).status).toBe(400);
  });
});
