import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBilling } from '../../payments-core/billing/run-billing.js';
import { chargeDueInstallments } from '../../payments-core/installments/charge-due-installments.js';
import { chargeOffSession } from '../../payments-core/payments/charge-off-session.js';
import { resolveUnknownPayments } from '../../payments-core/payments/resolve-unknown-payments.js';
import { drainRetries } from '../../payments-core/retries/drain-retries.js';
import { fixedClock } from '../../platform/clock.js';
import { createLog } from '../../platform/log.js';
import { seededRandom } from '../../platform/random.js';
import {
  gatewayCustomerOf,
  type Harness,
  SUCCESS_CARD,
  seedParent,
  startHarness,
  WEBHOOK_SECRET,
} from '../support/harness.js';

// 1 Dec 2026 00:30 IST is still 30 Nov in UTC: the month is IST's.
const clock = fixedClock(new Date('2026-11-30T19:00:00Z'));
let h: Harness;
beforeAll(async () => {
  // UPI AutoPay debits wait until a test lets the gateway work (Razorpay takes 24–36 h; kosh's call sees `created`).
  h = await startHarness({ clock, simulator: { upiDebitDelayMs: null } });
});
afterAll(async () => h.close());

describe('saved cards and their expiry', () => {
  let customerId: string;
  beforeAll(async () => {
    customerId = (await seedParent(h)).customerId;
  });

  // The expiry kosh keeps is the gateway's: the card is tokenised with it, as the checkout would save it.
  const card = async (month: number, year: number) => {
    const token = await h.tokenize(await gatewayCustomerOf(h, customerId), SUCCESS_CARD, { month, year });
    return h.api('POST', `/v1/customers/${customerId}/payment-methods`, {
      type: 'card',
      gateway_token: token.id,
      card_network: token.network,
      card_last4: token.last4,
      card_exp_month: month,
      card_exp_year: year,
    });
  };

  it('when a card past its expiry month is saved → 422 card_expired naming /card_exp_year, and nothing is saved', async () => {
    const before = (await h.api('GET', `/v1/customers/${customerId}/payment-methods`)).body.data.length;
    // The gateway refuses to tokenise an expired card at all; a token saved while good can be past its month by the
    // time it reaches kosh: tokenised in November, brought to kosh in January.
    const token = await h.tokenize(await gatewayCustomerOf(h, customerId), SUCCESS_CARD, { month: 12, year: 2026 });
    clock.set(new Date('2027-01-01T00:30:00Z'));
    try {
      const res = await h.api('POST', `/v1/customers/${customerId}/payment-methods`, {
        type: 'card',
        gateway_token: token.id,
        card_network: token.network,
        card_last4: token.last4,
        card_exp_month: 12,
        card_exp_year: 2026,
      });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('card_expired');
      expect(res.body.errors[0].field).toBe('/card_exp_year');
    } finally {
      clock.set(new Date('2026-11-30T19:00:00Z'));
    }
    expect((await h.api('GET', `/v1/customers/${customerId}/payment-methods`)).body.data).toHaveLength(before);
  });

  it('when a card expires at the end of this month (IST) → it is saved; moving its expiry into the past is refused', async () => {
    const saved = await card(12, 2026);
    expect(saved.status).toBe(201);
    const back = await h.api('PATCH', `/v1/customers/${customerId}/payment-methods/${saved.body.id}`, {
      card_exp_month: 10,
    });
    expect(back.status).toBe(422);
    expect(back.body.code).toBe('card_expired');
    const get = (await h.api('GET', `/v1/customers/${customerId}/payment-methods`)).body.data;
    expect(get.find((m: { id: string }) => m.id === saved.body.id)).toMatchObject({ card_exp_month: 12 });
  });
});

/**
 * UPI AutoPay as Razorpay documents it, through kosh's API, the real SDK and the simulator over loopback: a mandate is
 * registered (pending), approved or rejected in the parent's UPI app (the simulator plays it), and only then charged.
 */
let customerId: string;
let cardMethodId: string;

const payer = {
  ip: '203.0.113.7',
  referer: 'https://pay.example.in/autopay',
  user_agent: 'Mozilla/5.0 (Linux; Android 14)',
};
const register = (body: Record<string, unknown> = {}, key = `reg-${Math.random()}`) =>
  h.api(
    'POST',
    `/v1/customers/${customerId}/payment-methods/upi-autopay`,
    { max_amount: 1_000_000, frequency: 'monthly', ...payer, ...body },
    { 'idempotency-key': key },
  );
const methods = async () => (await h.api('GET', `/v1/customers/${customerId}/payment-methods`)).body.data as any[];
/** The simulator's authorisation payment behind a pending method (the link carries it as `tr`). */
const registrationPayment = (intentUrl: string) =>
  new URL(intentUrl.replace('upi://', 'http://x/')).searchParams.get('tr');
const simGet = (path: string) =>
  fetch(`${h.sim.url}${path}`, {
    headers: { authorization: `Basic ${Buffer.from(`${h.sim.keyId}:${h.sim.keySecret}`).toString('base64')}` },
  });
const sim = (path: string, body: unknown = {}) =>
  fetch(`${h.sim.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${h.sim.keyId}:${h.sim.keySecret}`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });

describe('registering a UPI AutoPay mandate', () => {
  beforeAll(async () => {
    ({ customerId, methodId: cardMethodId } = await seedParent(h));
  });

  it('when the terms are out of range or the mandate ends in the past → 400/422 naming the field, nothing saved', async () => {
    const before = (await methods()).length;
    const cases: [Record<string, unknown>, string][] = [
      [{ max_amount: 99 }, '/max_amount'],
      [{ max_amount: 1_500_001 }, '/max_amount'],
      [{ frequency: 'weekly' }, '/frequency'],
      [{ expire_at: '2026-11-01T00:00:00Z' }, '/expire_at'],
      [{ ip: 'not-an-ip' }, '/ip'],
    ];
    for (const [body, field] of cases) {
      const res = await register(body);
      expect([400, 422], JSON.stringify(body)).toContain(res.status);
      expect(
        res.body.errors.map((e: { field: string }) => e.field),
        JSON.stringify(body),
      ).toContain(field);
    }
    expect(await methods()).toHaveLength(before);
  });

  it('when the gateway fails the registration → 503 and no method is left behind', async () => {
    const before = (await methods()).length;
    h.sim.configure({ failureRate: 1 });
    try {
      expect((await register()).status).toBe(503);
    } finally {
      h.sim.configure({ failureRate: 0 });
    }
    expect(await methods()).toHaveLength(before);
  });

  it('when registered → a pending upi_autopay method with its terms and a upi://mandate link; it is not the default and cannot be made so', async () => {
    const res = await register({ expire_at: '2031-12-31T18:29:59Z' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      type: 'upi',
      mandate_type: 'upi_autopay',
      status: 'pending',
      mandate_max_amount: 1_000_000,
      mandate_frequency: 'monthly',
      is_default: false,
    });
    expect(res.body.intent_url).toMatch(/^upi:\/\/mandate\?/);
    const patch = await h.api('PATCH', `/v1/customers/${customerId}/payment-methods/${res.body.id}`, {
      is_default: true,
    });
    expect(patch.status).toBe(422);
    expect(patch.body.code).toBe('payment_method_not_active');
    expect((await methods()).find((m) => m.is_default).id).toBe(cardMethodId);
  });

  it('when the parent approves in their UPI app → token.confirmed makes the method active with the masked VPA; the ₹1 authorisation payment is booked once for the customer, every event of it applied', async () => {
    const res = await register();
    const gatewayPaymentId = registrationPayment(res.body.intent_url);
    expect(
      (
        await sim(`/v1/sim/upi-mandates/${gatewayPaymentId}/approve`, {
          vpa: 'asha.rao@okaxis',
        })
      ).status,
    ).toBe(200);
    await h.settle();
    expect((await methods()).find((m) => m.id === res.body.id)).toMatchObject({
      status: 'active',
      upi_vpa_masked: 'as••••••@okaxis',
      is_default: false,
    });
    // Razorpay captured the ₹1: kosh books it like any payment of the customer (payment + capture entry), once, even
    // when every event comes again.
    await sim('/v1/sim/webhooks/replay');
    await h.settle();
    const atGateway = h.sim.payments().find((p) => p.id === gatewayPaymentId);
    expect(atGateway).toMatchObject({ status: 'captured', amount: 100 });
    const payment = await h.api('GET', `/v1/payments/pay_${res.body.id}`);
    expect(payment.body).toMatchObject({
      order_id: `ord_${res.body.id}`,
      customer_id: customerId,
      status: 'captured',
      amount: 100,
      amount_captured: 100,
    });
    const entries = await h.db.all<{ gross: number }>(
      `SELECT -sum(l.amount_minor)::INTEGER AS gross FROM journal_entries e
       JOIN journal_lines l ON l.entry_id = e.id AND l.account = 'school_payable'
       WHERE e.kind = 'capture' AND e.ref_id = $id GROUP BY e.id`,
      { id: `pay_${res.body.id}` },
    );
    expect(entries).toEqual([{ gross: 100 }]);
    const events = await h.db.all<{ event_type: string; status: string }>(
      "SELECT DISTINCT event_type, status FROM webhook_events WHERE entity_id = $g AND status <> 'duplicate' ORDER BY 1",
      { g: gatewayPaymentId },
    );
    expect(events).toEqual([
      { event_type: 'order.paid', status: 'applied' },
      { event_type: 'payment.authorized', status: 'applied' },
      { event_type: 'payment.captured', status: 'applied' },
    ]);
  });

  it('when token.confirmed arrives before the payment that names its token → the method turns active once that payment arrives', async () => {
    const res = await register();
    const paymentId = registrationPayment(res.body.intent_url);
    h.sim.configure({ webhook: null });
    try {
      expect((await sim(`/v1/sim/upi-mandates/${paymentId}/approve`)).status).toBe(200);
    } finally {
      h.sim.configure({ webhook: { url: `${h.url}/webhooks/razorpay`, secret: WEBHOOK_SECRET } });
    }
    const payment = (await (await simGet(`/v1/payments/${paymentId}`)).json()) as {
      customer_id: string;
      token_id: string;
    };
    const token = await (await simGet(`/v1/customers/${payment.customer_id}/tokens/${payment.token_id}`)).json();
    const event = (name: string, key: string, entity: unknown) =>
      JSON.stringify({ entity: 'event', event: name, contains: [key], payload: { [key]: { entity } }, created_at: 1 });
    expect((await h.deliver(event('token.confirmed', 'token', token), `evt_ooo_tok_${paymentId}`)).status).toBe(200);
    await h.settle();
    expect((await methods()).find((m) => m.id === res.body.id)).toMatchObject({ status: 'pending' });
    expect((await h.deliver(event('payment.authorized', 'payment', payment), `evt_ooo_pay_${paymentId}`)).status).toBe(
      200,
    );
    await h.settle();
    expect((await methods()).find((m) => m.id === res.body.id)).toMatchObject({ status: 'active' });
  });

  it('when the parent rejects it → token.rejected marks the method rejected', async () => {
    const res = await register();
    expect((await sim(`/v1/sim/upi-mandates/${registrationPayment(res.body.intent_url)}/reject`)).status).toBe(200);
    await h.settle();
    expect((await methods()).find((m) => m.id === res.body.id)).toMatchObject({ status: 'rejected' });
    const order = await h.api('POST', '/v1/orders', { customer_id: customerId, amount: 10_000 });
    const charge = await h.api(
      'POST',
      '/v1/payments',
      { order_id: order.body.id, payment_method_id: res.body.id },
      { 'idempotency-key': `rejected-charge-${res.body.id}` },
    );
    expect(charge.body).toMatchObject({ code: 'payment_method_not_active', errors: [{ field: '/payment_method_id' }] });
  });
});

describe('a confirmed mandate the parent pauses, resumes and revokes in their UPI app', () => {
  it('when paused → token.paused makes it paused (still the default) and billing fails its charge as mandate_paused without calling the gateway; a late pause never undoes a resume; revoked → cancelled, and the card is the default again', async () => {
    const parent = await seedParent(h);
    const reg = await h.api(
      'POST',
      `/v1/customers/${parent.customerId}/payment-methods/upi-autopay`,
      { max_amount: 500_000, frequency: 'as_presented', ...payer },
      { 'idempotency-key': 'pause-reg' },
    );
    await sim(`/v1/sim/upi-mandates/${registrationPayment(reg.body.intent_url)}/approve`);
    await h.settle();
    const mandate = reg.body.id as string;
    await h.api('PATCH', `/v1/customers/${parent.customerId}/payment-methods/${mandate}`, { is_default: true });
    const token = (
      await h.db.one<{ gateway_token: string }>('SELECT gateway_token FROM payment_methods WHERE id = $id', {
        id: mandate,
      })
    )?.gateway_token;
    const method = async () =>
      (await h.api('GET', `/v1/customers/${parent.customerId}/payment-methods`)).body.data.find(
        (m: { id: string }) => m.id === mandate,
      );

    expect((await sim(`/v1/sim/upi-mandates/tokens/${token}/pause`)).status).toBe(200);
    await h.sim.idle();
    await h.settle();
    expect(await method()).toMatchObject({ status: 'paused', is_default: true });
    const plan = await h.api('POST', '/v1/subscription-plans', {
      name: 'Lunch',
      interval: 'monthly',
      amount: 250_000,
      tax_category: 'gst_exempt_school_meals',
    });
    const sub = await h.api('POST', '/v1/subscriptions', { customer_id: parent.customerId, plan_id: plan.body.id });
    expect(sub.status).toBe(201);
    const log = createLog({ level: 'silent' });
    await runBilling({ db: h.db, clock, gateway: h.gateway, log }, { now: clock.now() });
    const record = await h.db.one<{ status: string; decline_code: string; idempotency_key: string }>(
      'SELECT status, decline_code, idempotency_key FROM billing_records WHERE subscription_id = $s',
      { s: sub.body.id },
    );
    expect(record).toMatchObject({ status: 'failed', decline_code: 'mandate_paused' });
    expect(h.sim.payments().filter((p) => p.kosh_id === record?.idempotency_key)).toEqual([]);
    // The same for every job's off-session charge (installments, retries, dunning) and a refusal on-session.
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 40_000 });
    const offSession = await chargeOffSession(
      { db: h.db, clock, gateway: h.gateway, log },
      { order_id: order.body.id, payment_id: `pay_paused_${mandate}`, payment_method_id: mandate },
    );
    expect(offSession).toMatchObject({ outcome: 'failed', payment: { error_code: 'mandate_paused' } });
    expect(h.sim.payments().filter((p) => p.kosh_id === `pay_paused_${mandate}`)).toEqual([]);
    const onSession = await h.api(
      'POST',
      '/v1/payments',
      {
        order_id: (await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 40_000 })).body.id,
        payment_method_id: mandate,
      },
      { 'idempotency-key': `paused-on-session-${mandate}` },
    );
    expect(onSession.status).toBe(422);
    expect(onSession.body).toMatchObject({
      code: 'payment_method_not_active',
      errors: [{ field: '/payment_method_id' }],
    });

    // Resumed; then a pause event older than the resume arrives late (a redelivery): the mandate stays active.
    expect((await sim(`/v1/sim/upi-mandates/tokens/${token}/resume`)).status).toBe(200);
    await h.sim.idle();
    await h.settle();
    expect(await method()).toMatchObject({ status: 'active', is_default: true });
    const late = JSON.stringify({
      entity: 'event',
      event: 'token.paused',
      contains: ['token'],
      payload: { token: { entity: { id: token, entity: 'token', recurring_details: { status: 'paused' } } } },
      created_at: 1,
    });
    expect((await h.deliver(late, `evt_late_pause_${mandate}`)).status).toBe(200);
    await h.settle();
    expect(await method()).toMatchObject({ status: 'active' });

    expect((await sim(`/v1/sim/upi-mandates/tokens/${token}/cancel`)).status).toBe(200);
    await h.sim.idle();
    await h.settle();
    expect(await method()).toMatchObject({ status: 'cancelled', is_default: false });
    const all = (await h.api('GET', `/v1/customers/${parent.customerId}/payment-methods`)).body.data;
    expect(all.find((m: { is_default: boolean }) => m.is_default)?.id).toBe(parent.methodId);
    expect((await sim(`/v1/sim/upi-mandates/tokens/${token}/resume`)).status).toBe(400); // a revoke is final
  });
});

describe('deleting a saved method', () => {
  it('when a mandate or a card is deleted → its token is deleted at Razorpay (the mandate cancelled, its token.cancelled applied); a gateway that does not answer leaves the method as it was', async () => {
    const parent = await seedParent(h);
    const reg = await h.api(
      'POST',
      `/v1/customers/${parent.customerId}/payment-methods/upi-autopay`,
      { max_amount: 500_000, frequency: 'as_presented', ...payer },
      { 'idempotency-key': 'delete-reg' },
    );
    await sim(`/v1/sim/upi-mandates/${registrationPayment(reg.body.intent_url)}/approve`);
    await h.settle();
    const tokenOf = async (id: string) =>
      (await h.db.one<{ gateway_token: string }>('SELECT gateway_token FROM payment_methods WHERE id = $id', { id }))
        ?.gateway_token;
    const gatewayCustomer = (
      await h.db.one<{ gateway_customer_id: string }>('SELECT gateway_customer_id FROM customers WHERE id = $id', {
        id: parent.customerId,
      })
    )?.gateway_customer_id;
    const mandateToken = await tokenOf(reg.body.id);
    const remove = (id: string) => h.api('DELETE', `/v1/customers/${parent.customerId}/payment-methods/${id}`);
    const live = async () =>
      (await h.api('GET', `/v1/customers/${parent.customerId}/payment-methods`)).body.data.map(
        (m: { id: string }) => m.id,
      );

    h.sim.configure({ failureRate: 1 });
    try {
      expect((await remove(reg.body.id)).status).toBe(503);
    } finally {
      h.sim.configure({ failureRate: 0 });
    }
    expect(await live()).toContain(reg.body.id);

    expect((await remove(reg.body.id)).status).toBe(200);
    await h.sim.idle();
    await h.settle();
    const atGateway = (await (await simGet(`/v1/customers/${gatewayCustomer}/tokens/${mandateToken}`)).json()) as {
      recurring_details: { status: string };
    };
    expect(atGateway.recurring_details.status).toBe('cancelled');
    const event = await h.db.one<{ status: string }>(
      "SELECT status FROM webhook_events WHERE event_type = 'token.cancelled' AND entity_id = $t",
      { t: mandateToken },
    );
    expect(event?.status).toBe('applied');

    const cardToken = await tokenOf(parent.methodId);
    expect((await remove(parent.methodId)).status).toBe(200);
    expect((await simGet(`/v1/customers/${gatewayCustomer}/tokens/${cardToken}`)).status).toBe(400);
    expect(await live()).toEqual([]);
  });
});

describe('a month of a UPI AutoPay installment plan', () => {
  const DAY = 24 * 3_600_000;
  const deps = () => ({
    db: h.db,
    clock,
    gateway: h.gateway,
    log: createLog({ level: 'silent' }),
    random: seededRandom(5),
  });
  const installments = async (planId: string) => (await h.api('GET', `/v1/installment-plans/${planId}`)).body;
  const payment = async (id: string) => (await h.api('GET', `/v1/payments/${id}`)).body;
  /** The gateway works (the debit after its pre-debit notification), then kosh applies what it sent. */
  const gatewayWorks = async () => {
    await sim('/v1/sim/upi-mandates/debits/process');
    await h.sim.idle();
    await h.settle();
  };

  it('when installments fall due on a confirmed mandate → each debit is made at once (no kosh notice), pending until the gateway captures; a declined one is retried and recovers; the ledger matches the gateway', async () => {
    const parent = await seedParent(h);
    const customer = parent.customerId;
    const reg = await h.api(
      'POST',
      `/v1/customers/${customer}/payment-methods/upi-autopay`,
      { max_amount: 500_000, frequency: 'as_presented', ...payer },
      { 'idempotency-key': 'month-reg' },
    );
    expect(reg.status).toBe(201);
    await sim(`/v1/sim/upi-mandates/${registrationPayment(reg.body.intent_url)}/approve`);
    await h.settle();
    const made = await h.api('PATCH', `/v1/customers/${customer}/payment-methods/${reg.body.id}`, { is_default: true });
    expect(made.body).toMatchObject({ status: 'active', is_default: true });
    const token = (
      await h.db.one<{ gateway_token: string }>('SELECT gateway_token FROM payment_methods WHERE id = $id', {
        id: reg.body.id,
      })
    )?.gateway_token;

    const order = await h.api('POST', '/v1/orders', { customer_id: customer, amount: 60_000 });
    const plan = (
      await h.api('POST', `/v1/orders/${order.body.id}/installments`, {
        count: 2,
        first_due_at: new Date(clock.now().getTime() + 3_600_000).toISOString(),
      })
    ).body;
    const [first, second] = plan.installments;

    // Due: debited at once, without a kosh notice or a 24 h wait (Razorpay notifies and waits itself).
    clock.set(new Date(first.due_at));
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ processing: 1 });
    const firstPayment = (await installments(plan.id)).installments[0].last_payment_id;
    expect((await payment(firstPayment)).status).not.toMatch(/captured|failed/);
    expect(await h.db.all('SELECT id FROM pre_debit_notifications WHERE customer_id = $c', { c: customer })).toEqual(
      [],
    );
    await gatewayWorks();
    expect(await payment(firstPayment)).toMatchObject({ status: 'captured', amount_captured: 30_000 });
    await chargeDueInstallments(deps(), { now: clock.now() });
    expect((await installments(plan.id)).installments[0]).toMatchObject({ status: 'paid' });

    // A month later the bank declines the debit; the retry is debited again and captures.
    await sim(`/v1/sim/upi-mandates/tokens/${token}/decline-next`);
    clock.set(new Date(second.due_at));
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ processing: 1 });
    await gatewayWorks();
    const declined = (await installments(plan.id)).installments[1].last_payment_id;
    expect(await payment(declined)).toMatchObject({ status: 'failed' });
    await chargeDueInstallments(deps(), { now: clock.now() });
    clock.advance(3 * DAY);
    // The retry's debit is captured while its webhooks are lost: the resolver fetches the gateway's truth.
    const hook = { url: `${h.url}/webhooks/razorpay`, secret: WEBHOOK_SECRET };
    h.sim.configure({ webhook: null });
    await drainRetries(deps(), { now: clock.now() });
    await sim('/v1/sim/upi-mandates/debits/process');
    await h.sim.idle();
    h.sim.configure({ webhook: hook });
    clock.advance(16 * 60_000);
    expect(await resolveUnknownPayments(deps(), { now: clock.now() })).toMatchObject({ resolved: 1 });
    await drainRetries(deps(), { now: clock.now() });
    await chargeDueInstallments(deps(), { now: clock.now() });
    const done = await installments(plan.id);
    expect(done).toMatchObject({ status: 'paid', amount_paid: 60_000 });

    const kosh = await h.db.all<{ id: string; status: string; amount: number; gateway_payment_id: string | null }>(
      `SELECT id, status, amount_minor::INTEGER AS amount, gateway_payment_id FROM payments WHERE customer_id = $c
       ORDER BY created_at`,
      { c: customer },
    );
    const atGateway = h.sim.payments().filter((p) => kosh.some((k) => k.id === p.kosh_id));
    expect(atGateway.filter((p) => p.status === 'captured')).toHaveLength(2);
    expect(atGateway.filter((p) => p.status === 'captured').reduce((s, p) => s + p.amount, 0)).toBe(60_000);
    // The ledger holds every rupee the gateway captured from this parent: the two debits and the mandate's ₹1.
    const gatewayCaptured = h.sim
      .payments()
      .filter((p) => p.status === 'captured' && kosh.some((k) => k.gateway_payment_id === p.id))
      .reduce((s, p) => s + p.amount, 0);
    const ledger = await h.db.one<{ n: number }>(
      `SELECT (-sum(amount_minor))::INTEGER AS n FROM journal_lines WHERE account = 'school_payable' AND school_id = $s`,
      { s: parent.schoolId },
    );
    expect(gatewayCaptured).toBe(60_100);
    expect(ledger?.n).toBe(gatewayCaptured);
    expect((await h.api('GET', '/v1/ledger/balances')).body.balanced).toBe(true);
  });
});
