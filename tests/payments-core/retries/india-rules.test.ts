import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargeDueInstallments } from '../../../payments-core/installments/charge-due-installments.js';
import { drainRetries } from '../../../payments-core/retries/drain-retries.js';
import { enqueueRetry } from '../../../payments-core/retries/enqueue-retry.js';
import { AUTO_DEBIT_LIMIT_PAISE } from '../../../payments-core/retries/india-rules.js';
import { fixedClock } from '../../../platform/clock.js';
import { createLog } from '../../../platform/log.js';
import { seededRandom } from '../../../platform/random.js';
import { type Harness, saveCard, seedParent, startHarness } from '../../support/harness.js';

const HOUR = 3_600_000;

describe("India's auto-debit rules", () => {
  const clock = fixedClock(new Date('2026-11-02T05:00:00Z'));
  let h: Harness;
  const deps = () => ({
    db: h.db,
    clock,
    gateway: h.gateway,
    log: createLog({ level: 'silent' }),
    random: seededRandom(11),
  });
  const paymentsOf = async (orderId: string) =>
    h.db.all<{ id: string; status: string }>('SELECT id, status FROM payments WHERE order_id = $id', { id: orderId });

  beforeAll(async () => {
    h = await startHarness({ clock });
  });
  afterAll(async () => h.close());

  // On an e-mandate card: a saved UPI VPA cannot be debited off-session (Razorpay's S2S UPI collect needs the payer's
  // browser), and UPI AutoPay tokens are not built yet (issue 15). The notice rule is the same for both mandates.
  it('when an e-mandate debit has no pre-debit notice 24 h old → it is deferred, not made, and goes through once the notice is 24 h old', async () => {
    const parent = await seedParent(h);
    const { methodId } = await saveCard(h, parent.customerId, undefined, { isDefault: true, mandateType: 'emandate' });
    const methods = (await h.api('GET', `/v1/customers/${parent.customerId}/payment-methods`)).body.data;
    expect(methods.find((m: { id: string }) => m.id === methodId)).toMatchObject({
      mandate_type: 'emandate',
      is_default: true,
    });
    const card = await h.api('POST', `/v1/customers/${parent.customerId}/payment-methods`, {
      type: 'card',
      gateway_token: 'tok_x',
      card_last4: '1111',
      card_exp_month: 1,
      card_exp_year: 2030,
      mandate_type: 'upi_autopay',
    });
    expect(card.status).toBe(422);
    expect(card.body.errors).toEqual([expect.objectContaining({ field: '/mandate_type' })]);
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 60_000 });
    const plan = (
      await h.api('POST', `/v1/orders/${order.body.id}/installments`, {
        count: 2,
        first_due_at: new Date(clock.now().getTime() + HOUR).toISOString(),
      })
    ).body;
    const [first, second] = plan.installments;

    // The run an hour before the due date sends the notice: only 1 h ahead, too late for this debit.
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ notified: 1, paid: 0 });
    const notices = await h.db.all<{ sent_at: Date; debit_on: Date }>(
      'SELECT sent_at, debit_on FROM pre_debit_notifications WHERE source_id = $id',
      { id: first.id },
    );
    expect(notices).toHaveLength(1);
    clock.advance(HOUR);
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ deferred: 1, paid: 0 });
    expect(await paymentsOf(first.order_id)).toHaveLength(0);
    clock.advance(22 * HOUR);
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ deferred: 1, paid: 0 });
    clock.advance(HOUR);
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ paid: 1 });

    // The second is notified two days ahead by the daily run, so it is debited on its due date.
    clock.set(new Date(new Date(second.due_at).getTime() - 40 * HOUR));
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ notified: 1, paid: 0 });
    clock.set(new Date(second.due_at));
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ paid: 1, deferred: 0 });
    expect((await h.api('GET', `/v1/installment-plans/${plan.id}`)).body.status).toBe('paid');
  });

  it('when an auto-debit is above ₹15,000 → it is not made: the installment, or the retry item, requires authentication', async () => {
    const parent = await seedParent(h);
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 4_000_000 });
    const plan = (
      await h.api('POST', `/v1/orders/${order.body.id}/installments`, {
        count: 2,
        first_due_at: clock.now().toISOString(),
      })
    ).body;
    expect(plan.installments[0].amount).toBeGreaterThan(AUTO_DEBIT_LIMIT_PAISE);
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({
      requires_authentication: 1,
      paid: 0,
    });
    const view = (await h.api('GET', `/v1/installment-plans/${plan.id}`)).body;
    expect(view.installments[0]).toMatchObject({
      status: 'requires_authentication',
      last_error_code: 'amount_above_auto_debit_limit',
    });
    expect(view.status).toBe('past_due');
    expect(await paymentsOf(plan.installments[0].order_id)).toHaveLength(0);

    // The parent pays it on-session (authenticated at checkout): the installment is paid.
    const paid = await h.api('POST', '/v1/payments', {
      order_id: plan.installments[0].order_id,
      payment_method_id: parent.methodId,
    });
    expect(paid.body.status).toBe('captured');
    expect((await h.api('GET', `/v1/installment-plans/${plan.id}`)).body.installments[0].status).toBe('paid');

    // A queued retry of such an amount is not debited either.
    const item = await h.db.transaction((tx) =>
      enqueueRetry(
        tx,
        {
          source_type: 'subscription_renewal',
          source_id: 'sub_Big',
          origin_key: 'pay_BigRenewalFail1',
          order_id: plan.installments[1].order_id,
          customer_id: parent.customerId,
          payment_method_id: parent.methodId,
          amount: 2_000_000,
          currency: 'INR',
          error_reason: 'insufficient_funds',
          error_code: 'BAD_REQUEST_ERROR',
        },
        clock.now(),
        seededRandom(1),
      ),
    );
    clock.set(new Date(item.next_attempt_at ?? clock.now()));
    expect(await drainRetries(deps(), { now: clock.now() })).toMatchObject({ requires_authentication: 1 });
    expect((await h.api('GET', `/v1/retries/${item.id}`)).body).toMatchObject({
      state: 'requires_authentication',
      reason: 'amount_above_auto_debit_limit',
      attempts: 0,
    });
    expect(await paymentsOf(plan.installments[1].order_id)).toHaveLength(0);
  });

  it('when a queued retry on an e-mandate finds no pre-debit notice → it is deferred, the parent is emailed the notice, and it is debited 24 h later', async () => {
    const parent = await seedParent(h);
    const { methodId } = await saveCard(h, parent.customerId, undefined, { isDefault: true, mandateType: 'emandate' });
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 45_000 });
    const item = await h.db.transaction((tx) =>
      enqueueRetry(
        tx,
        {
          source_type: 'subscription_renewal',
          source_id: 'sub_NoticeByMail',
          origin_key: 'pay_NoticeByMail01',
          order_id: order.body.id,
          customer_id: parent.customerId,
          payment_method_id: methodId,
          amount: 45_000,
          currency: 'INR',
          error_reason: 'insufficient_funds',
          error_code: 'BAD_REQUEST_ERROR',
        },
        clock.now(),
        seededRandom(2),
      ),
    );
    clock.set(new Date(item.next_attempt_at ?? clock.now()));
    expect(await drainRetries(deps(), { now: clock.now() })).toMatchObject({ deferred: 1, succeeded: 0 });
    expect(await paymentsOf(order.body.id)).toHaveLength(0);
    const mails = await h.db.all<{ kind: string; subject: string; text_body: string; customer_id: string }>(
      "SELECT kind, subject, text_body, customer_id FROM email_outbox WHERE ref_id = 'sub_NoticeByMail'",
    );
    const debitOn = new Date(clock.now().getTime() + 24 * HOUR);
    const day = new Date(debitOn.getTime() + 330 * 60_000).toISOString().slice(0, 10);
    expect(mails).toEqual([
      {
        kind: 'pre_debit',
        subject: `Upcoming auto-debit of ₹450.00 on ${day}`,
        text_body: expect.stringContaining(`on or after ${day} (IST)`),
        customer_id: parent.customerId,
      },
    ]);
    // A second pass inside the 24 h neither debits nor mails again; after them the debit is made.
    clock.advance(12 * HOUR);
    await drainRetries(deps(), { now: clock.now() });
    clock.set(debitOn);
    expect(await drainRetries(deps(), { now: clock.now() })).toMatchObject({ succeeded: 1 });
    expect(
      await h.db.all("SELECT id FROM email_outbox WHERE ref_id = 'sub_NoticeByMail' AND kind = 'pre_debit'"),
    ).toHaveLength(1);
  });
});
