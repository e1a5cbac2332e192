import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Razorpay from 'razorpay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RazorpaySimulator, startRazorpaySimulator } from '../../../payments-core/gateway/simulator/server.js';

/**
 * The simulator against Razorpay's documented requests, through the official SDK and raw HTTP: what the docs say is
 * accepted is accepted, what they say is refused is refused (never more lenient than Razorpay). Each case cites
 * the page it is taken from.
 */
const KEY = 'rzp_test_contract01';
const SECRET = 'contract_secret_01';
const AUTH = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`;

let sim: RazorpaySimulator;
let sdk: Razorpay;
/** The simulator's today (card expiry): 7 Dec 2026 unless a case moves it. */
let today = new Date('2026-12-07T05:00:00Z');

async function raw(
  method: string,
  path: string,
  body?: unknown,
  type: 'json' | 'form' = 'json',
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: {
      authorization: AUTH,
      'content-type': type === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
    },
    ...(body === undefined ? {} : { body: type === 'json' ? JSON.stringify(body) : String(body) }),
  });
  return { status: res.status, body: await res.json() };
}

/** What the SDK rejects with: `{ statusCode, error: { code, description, field } }`. */
async function refusal(work: Promise<unknown>): Promise<{ statusCode: number; error: Record<string, unknown> }> {
  try {
    await work;
  } catch (err) {
    return err as { statusCode: number; error: Record<string, unknown> };
  }
  throw new Error('expected a refusal');
}

beforeAll(async () => {
  sim = await startRazorpaySimulator({ keyId: KEY, keySecret: SECRET, seed: 3, now: () => today });
  sdk = new Razorpay({ key_id: KEY, key_secret: SECRET });
  (sdk as unknown as { api: { rq: { defaults: { baseURL: string } } } }).api.rq.defaults.baseURL = sim.url;
});
afterAll(async () => sim.close());

describe('customers (https://razorpay.com/docs/api/customers/create/)', () => {
  it('when created as the SDK example does (contact as a number) → a cust_ entity; the same details again → 400 unless fail_existing is "0"', async () => {
    const body = { name: 'Gaurav Kumar', contact: 9123456780, email: 'gaurav.kumar@example.com', fail_existing: '1' };
    const first = (await sdk.customers.create(body as never)) as unknown as Record<string, unknown>;
    expect(first).toMatchObject({ entity: 'customer', name: 'Gaurav Kumar', contact: '9123456780' });
    expect(String(first['id'])).toMatch(/^cust_[A-Za-z0-9]{14}$/);
    const again = await refusal(sdk.customers.create(body as never));
    expect(again.statusCode).toBe(400);
    expect(again.error['code']).toBe('BAD_REQUEST_ERROR');
    const same = (await sdk.customers.create({ ...body, fail_existing: '0' } as never)) as unknown as { id: string };
    expect(same.id).toBe(first['id']);
  });

  it('when the name is missing, shorter than 3, longer than 50 or not of the allowed characters → 400 naming name', async () => {
    for (const name of [undefined, 'Al', 'x'.repeat(51), 'आशा राव', 'Mary-Ann']) {
      const res = await raw('POST', '/v1/customers', { name, email: `n${Math.random()}@example.in` });
      expect(res.status, String(name)).toBe(400);
      expect(res.body.error.field).toBe('name');
    }
  });
});

describe('recurring payments (https://razorpay.com/docs/api/payments/recurring-payments/cards/create-subsequent-payments/)', () => {
  let customer: string;
  let other: string;
  let token: string;
  const order = async () => (await raw('POST', '/v1/orders', { amount: 100_000, currency: 'INR' })).body.id as string;
  const charge = (overrides: Record<string, unknown>) =>
    raw('POST', '/v1/payments/create/recurring', {
      email: 'asha@example.in',
      contact: '9123456789',
      amount: 100_000,
      currency: 'INR',
      customer_id: customer,
      token,
      recurring: '1',
      ...overrides,
    });

  beforeAll(async () => {
    customer = (await raw('POST', '/v1/customers', { name: 'Asha Rao', email: 'asha@example.in' })).body.id;
    other = (await raw('POST', '/v1/customers', { name: 'Ravi Kumar', email: 'ravi@example.in' })).body.id;
    token = (
      await raw('POST', '/v1/sim/tokens', {
        customer_id: customer,
        number: '4111111111111111',
        expiry_month: 12,
        expiry_year: 2030,
      })
    ).body.id;
  });

  it("when charged as documented → authorised; the token is listed among the customer's, not another's", async () => {
    const res = await charge({ order_id: await order() });
    expect(res.status).toBe(200);
    expect(res.body.razorpay_payment_id).toMatch(/^pay_/);
    const mine = (await sdk.customers.fetchTokens(customer)) as unknown as { items: { id: string }[] };
    expect(mine.items.map((t) => t.id)).toEqual([token]);
    expect(await refusal(sdk.customers.fetchToken(other, token))).toMatchObject({ statusCode: 400 });
  });

  it('when any mandatory field is missing → 400 naming it, and no payment is made', async () => {
    const before = sim.payments().length;
    for (const field of ['email', 'contact', 'amount', 'currency', 'customer_id', 'token', 'recurring']) {
      const res = await charge({ order_id: await order(), [field]: undefined });
      expect(res.status, field).toBe(400);
      expect(res.body.error.field, field).toBe(field);
    }
    expect(sim.payments()).toHaveLength(before);
  });

  it("when the token is another customer's → 400 naming token (a token is charged only with its own customer)", async () => {
    const res = await charge({ order_id: await order(), customer_id: other });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('token');
  });

  it('when a token is asked for without a customer → refused: Razorpay saves cards only for a customer', async () => {
    const res = await raw('POST', '/v1/sim/tokens', {
      number: '4111111111111111',
      expiry_month: 12,
      expiry_year: 2030,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('customer_id');
  });

  it('when the amount comes as a string, or the body form-encoded with notes[…] → accepted as the SDK examples send it', async () => {
    expect((await charge({ order_id: await order(), amount: '100000' })).status).toBe(200);
    const orderId = await order();
    const form = new URLSearchParams({
      email: 'asha@example.in',
      contact: '9123456789',
      amount: '100000',
      currency: 'INR',
      order_id: orderId,
      customer_id: customer,
      token,
      recurring: '1',
      'notes[kosh_id]': 'pay_form_1',
    });
    const res = await raw('POST', '/v1/payments/create/recurring', form, 'form');
    expect(res.status).toBe(200);
    const payment = (await raw('GET', `/v1/payments/${res.body.razorpay_payment_id}`)).body;
    expect(payment).toMatchObject({ amount: 100_000, notes: { kosh_id: 'pay_form_1' }, customer_id: customer });
  });
});

describe('notes (https://razorpay.com/docs/api/orders/create/: "Maximum of 15 key-value pairs, 256 characters each")', () => {
  it('when an order carries 16 notes or a 257-character value → 400 naming notes; 15 notes of 256 are accepted', async () => {
    const many = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v']));
    const sixteen = await raw('POST', '/v1/orders', { amount: 5000, currency: 'INR', notes: many });
    expect(sixteen.status).toBe(400);
    expect(sixteen.body.error.field).toBe('notes');
    const long = await raw('POST', '/v1/orders', { amount: 5000, currency: 'INR', notes: { k: 'x'.repeat(257) } });
    expect(long.status).toBe(400);
    const fifteen = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, 'x'.repeat(256)]));
    expect((await raw('POST', '/v1/orders', { amount: 5000, currency: 'INR', notes: fifteen })).status).toBe(200);
  });
});

describe('S2S UPI intent (https://razorpay.com/docs/payments/payment-gateway/s2s-integration/json/v2/build-integration/upi/intent); collect deprecated (…/upi/collect)', () => {
  // The documented request (razorpay-node documents/payment.md, "Create Payment UPI s2s": amount, currency, order_id,
  // email, contact, customer_id, ip, referer, user_agent and upi are mandatory), by intent: no VPA, a link back.
  let customer: string;
  const events: { event: string; payload: any }[] = [];
  let receiver: Server;
  const named = (name: string) => events.filter((e) => e.event === name);
  const order = async () => (await raw('POST', '/v1/orders', { amount: 20_000, currency: 'INR' })).body.id as string;
  const upi = async (overrides: Record<string, unknown>) =>
    raw('POST', '/v1/payments/create/upi', {
      amount: 20_000,
      currency: 'INR',
      order_id: await order(),
      email: 'gaurav.kumar@example.com',
      contact: '9123456789',
      method: 'upi',
      customer_id: customer,
      ip: '192.168.0.103',
      referer: 'http',
      user_agent: 'Mozilla/5.0',
      description: 'Test flow',
      notes: { note_key: 'value1' },
      upi: { flow: 'intent' },
      ...overrides,
    });
  const intent = async (overrides: Record<string, unknown> = {}) =>
    (await upi(overrides)).body.razorpay_payment_id as string;

  beforeAll(async () => {
    customer = (await raw('POST', '/v1/customers', { name: 'Gaurav Kumar', email: 'upi.gaurav@example.com' })).body.id;
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        events.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const { port } = receiver.address() as AddressInfo;
    sim.configure({ webhook: { url: `http://127.0.0.1:${port}/`, secret: 'hook' } });
  });
  afterAll(async () => {
    sim.configure({ webhook: null });
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  it('when sent as documented, through the SDK → the payment id and a upi://pay link; the payment stays created, with no VPA, until the customer acts', async () => {
    const orderId = await order();
    const answer = await sdk.payments.createUpi({
      amount: 20_000,
      currency: 'INR',
      order_id: orderId,
      email: 'gaurav.kumar@example.com',
      contact: '9123456789',
      method: 'upi',
      customer_id: customer,
      ip: '192.168.0.103',
      referer: 'http',
      user_agent: 'Mozilla/5.0',
      notes: { note_key: 'value1' },
      upi: { flow: 'intent', expiry_time: 10 },
    });
    expect(answer.link).toMatch(new RegExp(`^upi://pay\\?.*tr=${answer.razorpay_payment_id}.*&am=200\\.00&cu=INR`));
    const payment = (await raw('GET', `/v1/payments/${answer.razorpay_payment_id}`)).body;
    expect(payment).toMatchObject({
      status: 'created',
      method: 'upi',
      vpa: null,
      customer_id: customer,
      order_id: orderId,
    });
  });

  it('when the flow is collect (NPCI deprecated it from 28 Feb 2026) → 400 naming upi.flow, and no payment is made', async () => {
    const before = sim.payments().length;
    const res = await upi({ upi: { flow: 'collect', vpa: 'success@razorpay', expiry_time: 5 } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST_ERROR', field: 'upi.flow' });
    expect(res.body.error.description).toMatch(/deprecated/);
    expect(sim.payments()).toHaveLength(before);
  });

  it('when the VPA is sent top-level (the old shape) → 400 "vpa is/are not required and should not be sent", no payment', async () => {
    const before = sim.payments().length;
    const res = await upi({ vpa: 'success@razorpay', upi: undefined });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'BAD_REQUEST_ERROR',
      field: 'vpa',
      reason: 'extra_field_sent',
      description: 'vpa is/are not required and should not be sent',
    });
    expect(sim.payments()).toHaveLength(before);
  });

  it('when customer_id, ip, referer, user_agent or upi is missing → 400 naming it, and no payment is made', async () => {
    const before = sim.payments().length;
    for (const field of ['customer_id', 'ip', 'referer', 'user_agent', 'upi', 'email', 'contact']) {
      const res = await upi({ [field]: undefined });
      expect(res.status, field).toBe(400);
      expect(res.body.error, field).toMatchObject({ code: 'BAD_REQUEST_ERROR', field });
    }
    expect(sim.payments()).toHaveLength(before);
  });

  it('when upi.flow is missing or unknown, a VPA rides with intent, expiry_time is not whole minutes, the customer unknown or ip not an address → 400 naming it', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ upi: {} }, 'upi.flow'],
      [{ upi: { flow: 'push' } }, 'upi.flow'],
      [{ upi: { flow: 'intent', vpa: 'success@razorpay' } }, 'upi.vpa'],
      [{ upi: { flow: 'intent', expiry_time: 0 } }, 'upi.expiry_time'],
      [{ upi: { flow: 'intent', expiry_time: 'soon' } }, 'upi.expiry_time'],
      [{ customer_id: 'cust_DoesNotExist01' }, 'customer_id'],
      [{ ip: 'localhost' }, 'ip'],
      [{ method: 'card' }, 'method'],
    ];
    for (const [overrides, field] of cases) {
      const res = await upi(overrides);
      expect(res.status, field).toBe(400);
      expect(res.body.error.field, JSON.stringify(overrides)).toBe(field);
    }
  });

  it('when the customer pays in their app → authorized with their VPA and payment.authorized sent; captured on request. Declined → failed (payment_cancelled), payment.failed; failure@razorpay → insufficient_funds', async () => {
    const paid = await intent();
    events.length = 0;
    const res = await raw('POST', `/v1/sim/upi-intents/${paid}/pay`, { vpa: 'meera@okaxis' });
    expect(res.body).toMatchObject({ id: paid, status: 'authorized', vpa: 'meera@okaxis' });
    await sim.idle();
    expect(named('payment.authorized')[0]?.payload.payment.entity).toMatchObject({ id: paid, status: 'authorized' });
    expect(await sdk.payments.capture(paid, 20_000, 'INR')).toMatchObject({ status: 'captured', captured: true });
    expect((await raw('POST', `/v1/sim/upi-intents/${paid}/pay`)).status).toBe(400);

    const declined = await intent();
    expect((await raw('POST', `/v1/sim/upi-intents/${declined}/fail`)).body).toMatchObject({
      status: 'failed',
      error_code: 'BAD_REQUEST_ERROR',
      error_reason: 'payment_cancelled',
    });
    const broke = await intent();
    expect((await raw('POST', `/v1/sim/upi-intents/${broke}/pay`, { vpa: 'failure@razorpay' })).body).toMatchObject({
      status: 'failed',
      error_reason: 'insufficient_funds',
    });
    await sim.idle();
    expect(named('payment.failed').map((e) => e.payload.payment.entity.id)).toEqual([declined, broke]);
  });

  it('when nobody acts within upi.expiry_time (default 5 minutes, on the simulator clock) → failed (payment_cancelled), payment.failed; a late pay is refused', async () => {
    const soon = await intent();
    const later = await intent({ upi: { flow: 'intent', expiry_time: 10 } });
    events.length = 0;
    const start = today;
    try {
      today = new Date(start.getTime() + 4 * 60_000);
      expect((await raw('GET', `/v1/payments/${soon}`)).body.status).toBe('created');
      today = new Date(start.getTime() + 5 * 60_000);
      expect((await raw('GET', `/v1/payments/${soon}`)).body).toMatchObject({
        status: 'failed',
        error_reason: 'payment_cancelled',
      });
      expect((await raw('GET', `/v1/payments/${later}`)).body.status).toBe('created');
      expect((await raw('POST', `/v1/sim/upi-intents/${soon}/pay`)).status).toBe(400);
      await sim.idle();
      expect(named('payment.failed').map((e) => e.payload.payment.entity.id)).toEqual([soon]);
    } finally {
      today = start;
    }
  });
});

describe('expired cards (reason card_expired: https://razorpay.com/docs/errors/payments/list/)', () => {
  let customer: string;
  const save = (expiry_month: number, expiry_year: number) =>
    raw('POST', '/v1/sim/tokens', { customer_id: customer, number: '4111111111111111', expiry_month, expiry_year });

  beforeAll(async () => {
    customer = (await raw('POST', '/v1/customers', { name: 'Expiry Test', email: 'expiry@example.in' })).body.id;
  });

  it('when a card past its expiry month is saved → 400 card_expired naming expiry_year, and no token is left', async () => {
    for (const [month, year] of [
      [11, 2026],
      [12, 2025],
    ] as const) {
      const res = await save(month, year);
      expect(res.status, `${month}/${year}`).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST_ERROR', field: 'expiry_year', reason: 'card_expired' });
    }
    const tokens = (await sdk.customers.fetchTokens(customer)) as unknown as { items: unknown[] };
    expect(tokens.items).toEqual([]);
  });

  it('when the card expires at the end of this month on the IST calendar → saved; a day later in IST → refused', async () => {
    today = new Date('2026-11-30T18:00:00Z'); // 30 Nov, 23:30 IST
    try {
      expect((await save(11, 2026)).status).toBe(200);
      today = new Date('2026-11-30T19:00:00Z'); // 1 Dec, 00:30 IST, still 30 Nov in UTC
      expect((await save(11, 2026)).status).toBe(400);
    } finally {
      today = new Date('2026-12-07T05:00:00Z');
    }
  });
});

describe('payment links (https://razorpay.com/docs/api/payments/payment-links/create-standard, https://razorpay.com/docs/payments/payment-links/states/, https://razorpay.com/docs/webhooks/payloads/payment-links/)', () => {
  /** The documented create request (create-standard), with a reference id of this case. */
  const documented = (reference_id: string) => ({
    amount: 1000,
    currency: 'INR',
    accept_partial: true,
    first_min_partial_amount: 100,
    reference_id,
    description: 'Payment for policy no #23456',
    customer: { name: 'Gaurav Kumar', contact: '+919000090000', email: 'gaurav.kumar@example.com' },
    notify: { sms: true, email: true },
    reminder_enable: true,
    notes: { policy_name: 'Jeevan Bima' },
    callback_url: 'https://example-callback-url.com/',
    callback_method: 'get',
  });

  it('when created as documented, through the SDK → a created plink_ entity with its short_url; fetched by id and listed by reference_id', async () => {
    const link = (await sdk.paymentLink.create(documented('TS1989'))) as unknown as Record<string, unknown>;
    expect(link).toMatchObject({
      amount: 1000,
      amount_paid: 0,
      accept_partial: true,
      first_min_partial_amount: 100,
      status: 'created',
      reference_id: 'TS1989',
      payments: null,
      cancelled_at: 0,
      expired_at: 0,
      callback_method: 'get',
      notes: { policy_name: 'Jeevan Bima' },
    });
    expect(String(link['id'])).toMatch(/^plink_[A-Za-z0-9]{14}$/);
    expect(String(link['short_url'])).toMatch(/^https:\/\/rzp\.io\/i\//);
    expect(await sdk.paymentLink.fetch(String(link['id']))).toMatchObject({ id: link['id'], status: 'created' });
    const listed = await sdk.paymentLink.all({ reference_id: 'TS1989' } as never);
    expect(listed.payment_links.map((l) => l.id)).toEqual([link['id']]);
  });

  it('when a second link has the same reference_id → 400 naming reference_id, and no second link is made', async () => {
    await sdk.paymentLink.create(documented('TS-dup'));
    const again = await refusal(sdk.paymentLink.create(documented('TS-dup')));
    expect(again.statusCode).toBe(400);
    expect(again.error['field']).toBe('reference_id');
    expect((await sdk.paymentLink.all({ reference_id: 'TS-dup' } as never)).payment_links).toHaveLength(1);
  });

  it('when the amount is missing or under INR 1.00, expire_by past or beyond six months, callback_url without callback_method get, first_min_partial_amount without accept_partial, reference_id over 40 → 400 naming it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [Record<string, unknown>, string][] = [
      [{ amount: undefined }, 'amount'],
      [{ amount: 99 }, 'amount'],
      [{ expire_by: now - 60 }, 'expire_by'],
      [{ expire_by: now + 200 * 24 * 3600 }, 'expire_by'],
      [{ callback_method: undefined }, 'callback_method'],
      [{ accept_partial: false }, 'first_min_partial_amount'],
      [{ reference_id: 'x'.repeat(41) }, 'reference_id'],
      [{ notes: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v'])) }, 'notes'],
    ];
    for (const [override, field] of cases) {
      const res = await raw('POST', '/v1/payment_links', {
        ...documented(`TS-bad-${field}-${Math.random()}`.slice(0, 40)),
        ...override,
      });
      expect(res.status, JSON.stringify(override)).toBe(400);
      expect(res.body.error.field, JSON.stringify(override)).toBe(field);
    }
  });

  it('when cancelled while created → cancelled; a paid link cannot be cancelled, a cancelled one cannot be paid', async () => {
    const link = await sdk.paymentLink.create({
      amount: 50_000,
      currency: 'INR',
      reference_id: 'TS-cancel',
      customer: {},
    } as never);
    const cancelled = await sdk.paymentLink.cancel(link.id);
    expect(cancelled).toMatchObject({ status: 'cancelled' });
    expect(Number(cancelled.cancelled_at)).toBeGreaterThan(0);
    expect(
      (await raw('POST', `/v1/sim/payment_links/${link.id}/pay`, { card_number: '4111111111111111' })).status,
    ).toBe(400);
    const paid = await sdk.paymentLink.create({
      amount: 50_000,
      currency: 'INR',
      reference_id: 'TS-paid',
      customer: {},
    } as never);
    expect(
      (await raw('POST', `/v1/sim/payment_links/${paid.id}/pay`, { card_number: '4111111111111111' })).status,
    ).toBe(200);
    expect((await refusal(sdk.paymentLink.cancel(paid.id))).statusCode).toBe(400);
  });

  it('when the parent pays (a decline first, then a good card) → the link is paid, its order and captured payment fetchable, and payment.captured, order.paid, payment_link.paid sent with the documented entities', async () => {
    const received: Record<string, any>[] = [];
    const hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    sim.configure({ webhook: { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`, secret: 'wh' } });
    try {
      const link = await sdk.paymentLink.create({
        amount: 1_800_000,
        currency: 'INR',
        reference_id: 'TS-pay',
        notes: { kosh_id: 'bil_x' },
        customer: { email: 'parent@example.in' },
      } as never);
      const declined = await raw('POST', `/v1/sim/payment_links/${link.id}/pay`, { card_number: '4000000000000002' });
      expect(declined.body.payment).toMatchObject({ status: 'failed', error_reason: 'card_declined' });
      expect(declined.body.payment_link).toMatchObject({ status: 'created', amount_paid: 0 });
      const paid = await raw('POST', `/v1/sim/payment_links/${link.id}/pay`, {
        upi: { flow: 'intent', vpa: 'success@razorpay' },
      });
      expect(paid.status).toBe(200);
      expect(paid.body.payment_link).toMatchObject({ status: 'paid', amount_paid: 1_800_000 });
      const order = await sdk.orders.fetch(paid.body.payment.order_id);
      expect(order).toMatchObject({ status: 'paid', amount_paid: 1_800_000, notes: { kosh_id: 'bil_x' } });
      expect(await sdk.payments.fetch(paid.body.payment.id)).toMatchObject({
        status: 'captured',
        captured: true,
        method: 'upi',
      });
      expect((await sdk.paymentLink.fetch(link.id)).payments).toMatchObject([
        { payment_id: paid.body.payment.id, plink_id: link.id, status: 'captured' },
      ]);
      await sim.idle();
      const events = received.map((e) => e['event']);
      expect(events).toEqual(['payment.failed', 'payment.captured', 'order.paid', 'payment_link.paid']);
      const linkPaid = received[3] as {
        contains: string[];
        payload: Record<string, { entity: Record<string, unknown> }>;
      };
      expect(linkPaid.contains.sort()).toEqual(['order', 'payment', 'payment_link']);
      expect(linkPaid.payload['payment_link']?.entity).toMatchObject({
        id: link.id,
        status: 'paid',
        reference_id: 'TS-pay',
      });
      expect(linkPaid.payload['payment']?.entity).toMatchObject({ id: paid.body.payment.id, status: 'captured' });
      expect(linkPaid.payload['order']?.entity).toMatchObject({ id: order.id, status: 'paid' });
      expect(
        (await raw('POST', `/v1/sim/payment_links/${link.id}/pay`, { card_number: '4111111111111111' })).status,
        'a paid link is not paid twice',
      ).toBe(400);
    } finally {
      sim.configure({ webhook: null });
      hook.closeAllConnections();
      await new Promise<void>((resolve) => hook.close(() => resolve()));
    }
  });

  it('when partial payments are off → a part payment is refused; on → partially_paid, then paid', async () => {
    const off = await sdk.paymentLink.create({
      amount: 20_000,
      currency: 'INR',
      reference_id: 'TS-part-off',
      customer: {},
    } as never);
    expect(
      (await raw('POST', `/v1/sim/payment_links/${off.id}/pay`, { card_number: '4111111111111111', amount: 10_000 }))
        .status,
    ).toBe(400);
    const on = await sdk.paymentLink.create({
      amount: 20_000,
      currency: 'INR',
      accept_partial: true,
      first_min_partial_amount: 15_000,
      reference_id: 'TS-part-on',
      customer: {},
    } as never);
    expect(
      (await raw('POST', `/v1/sim/payment_links/${on.id}/pay`, { card_number: '4111111111111111', amount: 10_000 }))
        .status,
    ).toBe(400);
    const first = await raw('POST', `/v1/sim/payment_links/${on.id}/pay`, {
      card_number: '4111111111111111',
      amount: 15_000,
    });
    expect(first.body.payment_link).toMatchObject({ status: 'partially_paid', amount_paid: 15_000 });
    const rest = await raw('POST', `/v1/sim/payment_links/${on.id}/pay`, { card_number: '4111111111111111' });
    expect(rest.body.payment_link).toMatchObject({ status: 'paid', amount_paid: 20_000 });
  });
});

describe('UPI AutoPay registration (https://razorpay.com/docs/api/payments/recurring-payments/upi/create-authorization-transaction/)', () => {
  let customer: string;
  let other: string;
  const events: { event: string; payload: any }[] = [];
  let receiver: Server;
  const terms = { max_amount: 500_000, frequency: 'monthly' };
  const authOrder = (overrides: Record<string, unknown> = {}) =>
    raw('POST', '/v1/orders', {
      amount: 100,
      currency: 'INR',
      method: 'upi',
      customer_id: customer,
      token: terms,
      ...overrides,
    });
  const intent = (orderId: string, overrides: Record<string, unknown> = {}) =>
    raw('POST', '/v1/payments/create/upi', {
      amount: 100,
      currency: 'INR',
      order_id: orderId,
      email: 'mandate@example.in',
      contact: '9123456789',
      method: 'upi',
      customer_id: customer,
      recurring: '1',
      ip: '192.168.0.103',
      referer: 'http',
      user_agent: 'Mozilla/5.0',
      upi: { flow: 'intent' },
      ...overrides,
    });
  const register = async () => {
    const orderId = (await authOrder()).body.id as string;
    return (await intent(orderId)).body.razorpay_payment_id as string;
  };
  const named = (name: string) => events.filter((e) => e.event === name);

  beforeAll(async () => {
    customer = (await raw('POST', '/v1/customers', { name: 'Meera Iyer', email: 'mandate@example.in' })).body.id;
    other = (await raw('POST', '/v1/customers', { name: 'Kabir Das', email: 'kabir@example.in' })).body.id;
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        events.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const { port } = receiver.address() as AddressInfo;
    // Debits wait for /v1/sim/upi-mandates/debits/process: the case sees the payment `created` first, without a race.
    sim.configure({ webhook: { url: `http://127.0.0.1:${port}/`, secret: 'hook' }, upiDebitDelayMs: null });
  });
  afterAll(async () => {
    sim.configure({ webhook: null });
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  it('when the order carries a bad mandate → 400 naming the field: frequency only as_presented|monthly, max_amount ₹1–₹15,000, expire_at ahead, an existing customer', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ token: { max_amount: 500_000 } }, 'token.frequency'],
      [{ token: { ...terms, frequency: 'weekly' } }, 'token.frequency'],
      [{ token: { frequency: 'monthly' } }, 'token.max_amount'],
      [{ token: { ...terms, max_amount: 99 } }, 'token.max_amount'],
      [{ token: { ...terms, max_amount: 1_500_001 } }, 'token.max_amount'],
      [{ token: { ...terms, expire_at: Math.floor(today.getTime() / 1000) - 60 } }, 'token.expire_at'],
      [{ customer_id: undefined }, 'customer_id'],
      [{ customer_id: 'cust_DoesNotExist01' }, 'customer_id'],
      [{ method: undefined }, 'method'],
      [{ amount: 600_000 }, 'amount'],
    ];
    for (const [overrides, field] of cases) {
      const res = await authOrder(overrides);
      expect(res.status, JSON.stringify(overrides)).toBe(400);
      expect(res.body.error.field, JSON.stringify(overrides)).toBe(field);
    }
    const ok = await authOrder({ token: { ...terms, frequency: 'as_presented' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ entity: 'order', amount: 100, status: 'created' });
  });

  it('when the authorisation payment asks for collect (deprecated for new registrations from 28 Feb 2026), lacks recurring or names another customer → 400 naming it, no payment', async () => {
    const orderId = (await authOrder()).body.id as string;
    const before = sim.payments().length;
    const cases: [Record<string, unknown>, string][] = [
      [{ upi: { flow: 'collect', vpa: 'success@razorpay' } }, 'upi.flow'],
      [{ recurring: undefined }, 'recurring'],
      [{ customer_id: other }, 'customer_id'],
    ];
    for (const [overrides, field] of cases) {
      const res = await intent(orderId, overrides);
      expect(res.status, field).toBe(400);
      expect(res.body.error.field, field).toBe(field);
    }
    expect(sim.payments()).toHaveLength(before);
  });

  it('when paid by intent through the SDK → the payment id and a upi://mandate link; the payment stays created and the token initiated until the customer acts', async () => {
    const orderId = (await authOrder()).body.id as string;
    const answer = (await sdk.payments.createUpi({
      amount: 100,
      currency: 'INR',
      order_id: orderId,
      email: 'mandate@example.in',
      contact: '9123456789',
      method: 'upi',
      customer_id: customer,
      recurring: 1,
      ip: '192.168.0.103',
      referer: 'http',
      user_agent: 'Mozilla/5.0',
      upi: { flow: 'intent' },
    } as never)) as unknown as { razorpay_payment_id: string; link: string };
    expect(answer.link).toMatch(/^upi:\/\/mandate\?.*am=5000\.00.*recur=MONTHLY/);
    const payment = (await raw('GET', `/v1/payments/${answer.razorpay_payment_id}`)).body;
    expect(payment).toMatchObject({ status: 'created', method: 'upi', customer_id: customer, recurring: true });
    // The payment names its token only once the customer has acted; the customer's tokens show it initiated.
    expect(payment.token_id).toBeNull();
    const tokens = (await sdk.customers.fetchTokens(customer)) as unknown as { items: any[] };
    expect(tokens.items.filter((t) => t.recurring_details.status === 'initiated')).toContainEqual(
      expect.objectContaining({ method: 'upi', max_amount: 500_000 }),
    );
  });

  it('when the customer approves → payment captured, token confirmed with its terms; payment.authorized, payment.captured and token.confirmed are sent', async () => {
    const paymentId = await register();
    events.length = 0;
    const approved = await raw('POST', `/v1/sim/upi-mandates/${paymentId}/approve`, { vpa: 'meera@okaxis' });
    expect(approved.status).toBe(200);
    await sim.idle();
    const payment = (await raw('GET', `/v1/payments/${paymentId}`)).body;
    expect(payment).toMatchObject({ status: 'captured', vpa: 'meera@okaxis', customer_id: customer });
    const tokens = (await sdk.customers.fetchTokens(customer)) as unknown as { items: any[] };
    expect(tokens.items.find((t) => t.id === payment.token_id)).toMatchObject({
      method: 'upi',
      vpa: { username: 'meera', handle: 'okaxis' },
      recurring_details: { status: 'confirmed' },
      max_amount: 500_000,
      frequency: 'monthly',
    });
    expect(named('payment.authorized')).toHaveLength(1);
    expect(named('payment.captured')).toHaveLength(1);
    expect(named('token.confirmed')[0]?.payload.token.entity).toMatchObject({ id: payment.token_id });
    expect((await raw('POST', `/v1/sim/upi-mandates/${paymentId}/approve`)).status).toBe(400);
  });

  it('when the customer rejects → payment failed, token rejected; payment.failed and token.rejected are sent', async () => {
    const paymentId = await register();
    events.length = 0;
    expect((await raw('POST', `/v1/sim/upi-mandates/${paymentId}/reject`)).status).toBe(200);
    await sim.idle();
    const payment = (await raw('GET', `/v1/payments/${paymentId}`)).body;
    expect(payment.status).toBe('failed');
    expect(named('payment.failed')).toHaveLength(1);
    expect(named('token.rejected')[0]?.payload.token.entity).toMatchObject({
      id: payment.token_id,
      recurring_details: { status: 'rejected' },
    });
  });

  describe('subsequent debits (https://razorpay.com/docs/payments/payment-gateway/s2s-integration/recurring-payments/upi-intent/execute-subsequent-payments/)', () => {
    let token: string;
    const debit = async (amount: number, overrides: Record<string, unknown> = {}) => {
      const orderId = (await raw('POST', '/v1/orders', { amount, currency: 'INR', payment_capture: true })).body.id;
      return raw('POST', '/v1/payments/create/recurring', {
        email: 'mandate@example.in',
        contact: '9123456789',
        amount,
        currency: 'INR',
        order_id: orderId,
        customer_id: customer,
        token,
        recurring: '1',
        ...overrides,
      });
    };

    beforeAll(async () => {
      const paymentId = await register();
      await raw('POST', `/v1/sim/upi-mandates/${paymentId}/approve`);
      token = (await raw('GET', `/v1/payments/${paymentId}`)).body.token_id;
      await sim.idle();
    });

    it('when debited within the mandate → answered while the payment is created; it is captured later (payment.authorized, payment.captured)', async () => {
      const res = await debit(120_000);
      expect(res.status).toBe(200);
      const id = res.body.razorpay_payment_id as string;
      expect((await raw('GET', `/v1/payments/${id}`)).body).toMatchObject({ status: 'created', token_id: token });
      events.length = 0;
      expect((await raw('POST', '/v1/sim/upi-mandates/debits/process')).body).toEqual({ processed: 1 });
      await sim.idle();
      expect((await raw('GET', `/v1/payments/${id}`)).body).toMatchObject({ status: 'captured', amount: 120_000 });
      expect(named('payment.authorized').map((e) => e.payload.payment.entity.id)).toEqual([id]);
      expect(named('payment.captured').map((e) => e.payload.payment.entity.id)).toEqual([id]);
    });

    it('when the simulator compresses the 24–36 h to upiDebitDelayMs → the debit completes by itself after it', async () => {
      sim.configure({ upiDebitDelayMs: 1 });
      try {
        const res = await debit(30_000);
        await sim.idle();
        const payment = (await raw('GET', `/v1/payments/${res.body.razorpay_payment_id}`)).body;
        expect(payment.status).toBe('captured');
      } finally {
        sim.configure({ upiDebitDelayMs: null });
      }
    });

    it('when the amount is above the mandate max_amount → 400 naming amount, and no payment is made', async () => {
      const before = sim.payments().length;
      const res = await debit(500_001);
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe('amount');
      expect(sim.payments()).toHaveLength(before);
    });

    it('when the token is not confirmed (only confirmed tokens can be debited) → 400 naming token', async () => {
      const pending = (await raw('GET', `/v1/payments/${await register()}`)).body.token_id;
      const res = await debit(10_000, { token: pending });
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe('token');
    });

    it('when the bank declines the debit → the payment fails later with payment.failed (insufficient_funds)', async () => {
      expect((await raw('POST', `/v1/sim/upi-mandates/tokens/${token}/decline-next`)).status).toBe(200);
      const res = await debit(50_000);
      expect(res.status).toBe(200);
      events.length = 0;
      await raw('POST', '/v1/sim/upi-mandates/debits/process');
      await sim.idle();
      const payment = (await raw('GET', `/v1/payments/${res.body.razorpay_payment_id}`)).body;
      expect(payment).toMatchObject({ status: 'failed', error_reason: 'insufficient_funds' });
      expect(named('payment.failed')).toHaveLength(1);
    });
  });
});
