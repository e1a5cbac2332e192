import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Razorpay from 'razorpay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  CreatePaymentInput as GatewayCreatePaymentInput,
  PaymentGateway,
} from '../../../payments-core/gateway/port.js';
import { createRazorpayGateway } from '../../../payments-core/gateway/razorpay-gateway.js';
import { type RazorpaySimulator, startRazorpaySimulator } from '../../../payments-core/gateway/simulator/server.js';
import { AppError } from '../../../platform/errors.js';
import { PAYER } from '../../support/payer.js';

const KEY = 'rzp_test_simulator01';
const SECRET = 'sim_secret_01';
const HOOK_SECRET = 'hook_secret_01';
/** Razorpay's 24 h webhook retry window in 864 ms (0.01 ms a simulated second). */
const TIME_SCALE = 0.01;

interface Received {
  eventId: string;
  event: string;
  verified: boolean;
}

/** A real HTTP receiver that verifies Razorpay's signature and can be told to fail. */
async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  failNext: (n: number) => void;
  close: () => Promise<void>;
}> {
  const received: Received[] = [];
  let failures = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const expected = createHmac('sha256', HOOK_SECRET).update(body).digest('hex');
      const event = (JSON.parse(body) as { event: string }).event;
      received.push({
        eventId: String(req.headers['x-razorpay-event-id']),
        event,
        verified: req.headers['x-razorpay-signature'] === expected,
      });
      if (failures > 0) {
        failures--;
        res.writeHead(500).end();
      } else res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    failNext: (n) => {
      failures = n;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('Razorpay simulator through the official SDK', () => {
  let sim: RazorpaySimulator;
  let gateway: PaymentGateway;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  /** The Razorpay customer the test's cards are saved for (a token is charged only with its customer). */
  let customerId: string;
  const tokenize = async (number: string): Promise<string> => {
    const res = await fetch(`${sim.url}/v1/sim/tokens`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`,
      },
      body: JSON.stringify({ customer_id: customerId, number, expiry_month: 1, expiry_year: 2031, cvv: '000' }),
    });
    return ((await res.json()) as { id: string }).id;
  };
  /** The success card, saved for the test's customer. */
  const card = async () => ({ kind: 'token', token: await tokenize('4111111111111111'), customerId }) as const;
  const pay = async (
    receipt: string,
    instrument: GatewayCreatePaymentInput['instrument'],
    capture: 'auto' | 'manual' = 'auto',
  ) => {
    const order = await gateway.createOrder({ amount: 100_000, currency: 'INR', receipt });
    return gateway.createPayment({
      orderId: order.id,
      amount: 100_000,
      currency: 'INR',
      idempotencyKey: `k_${receipt}`,
      email: 'a@b.in',
      contact: '+919800000000',
      instrument,
      capture,
    });
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    sim = await startRazorpaySimulator({
      keyId: KEY,
      keySecret: SECRET,
      seed: 1,
      timeScale: TIME_SCALE,
      webhook: { url: receiver.url, secret: HOOK_SECRET },
    });
    gateway = createRazorpayGateway({ keyId: KEY, keySecret: SECRET, apiUrl: sim.url });
    customerId = await gateway.ensureCustomer({
      koshCustomerId: 'cus_test',
      name: 'Asha Rao',
      email: 'asha@example.in',
      contact: '+919800000000',
    });
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });

  it('when the success card pays with auto-capture → captured with a 2% fee and 18% GST on it, order paid', async () => {
    const p = await pay('r_success', { kind: 'token', token: await tokenize('4111111111111111'), customerId });
    expect(p).toMatchObject({
      status: 'captured',
      captured: true,
      amount: 100_000,
      fee: 2360,
      tax: 360,
      method: 'card',
    });
    expect(p.id).toMatch(/^pay_[A-Za-z0-9]{14}$/);
    expect((await gateway.fetchOrder(p.orderId ?? '')).status).toBe('paid');
  });

  it.each([
    ['4000000000000002', 'card_declined'],
    ['4000000000009995', 'insufficient_funds'],
    ['4000000000000119', 'payment_timed_out'],
    ['4000000000000259', 'gateway_technical_error'],
  ])('when test card %s pays → the payment fails with reason %s', async (card, reason) => {
    const p = await pay(`r_${card}`, { kind: 'token', token: await tokenize(card), customerId });
    expect(p.status).toBe('failed');
    expect(p.errorReason).toBe(reason);
    expect(p.errorCode).toMatch(/_ERROR$/);
  });

  it('when a UPI intent is made as kosh makes one → a created payment and its upi://pay link; the parent pays in the app → found authorized by its kosh id, then captured', async () => {
    const order = await gateway.createOrder({ amount: 100_000, currency: 'INR', receipt: 'r_intent' });
    const intent = await gateway.createUpiIntent({
      orderId: order.id,
      amount: 100_000,
      currency: 'INR',
      idempotencyKey: 'k_r_intent',
      email: 'a@b.in',
      contact: '+919800000000',
      customerId,
      payer: PAYER,
      expiryMinutes: 5,
    });
    expect(intent.link).toMatch(/^upi:\/\/pay\?/);
    expect(await gateway.findPayment(order.id, 'k_r_intent')).toMatchObject({
      id: intent.paymentId,
      status: 'created',
    });
    await fetch(`${sim.url}/v1/sim/upi-intents/${intent.paymentId}/pay`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}` },
    });
    expect(await gateway.findPayment(order.id, 'k_r_intent')).toMatchObject({ status: 'authorized', method: 'upi' });
    expect((await gateway.capturePayment(intent.paymentId, 100_000, 'INR')).status).toBe('captured');
  });

  it('when a payment is captured manually, twice → the adapter returns it captured; raw Razorpay says already captured', async () => {
    const p = await pay('r_manual', await card(), 'manual');
    expect(p.status).toBe('authorized');
    expect((await gateway.capturePayment(p.id, 100_000, 'INR')).status).toBe('captured');
    expect((await gateway.capturePayment(p.id, 100_000, 'INR')).status).toBe('captured');
    const sdk = new Razorpay({ key_id: KEY, key_secret: SECRET });
    (sdk as unknown as { api: { rq: { defaults: { baseURL: string } } } }).api.rq.defaults.baseURL = sim.url;
    await expect(sdk.payments.capture(p.id, 100_000, 'INR')).rejects.toMatchObject({
      statusCode: 400,
      error: { code: 'BAD_REQUEST_ERROR', description: 'This payment has already been captured' },
    });
  });

  it('when two partial refunds are followed by one above the remainder → the third is a provider error', async () => {
    const p = await pay('r_refunds', await card());
    await gateway.createRefund({ paymentId: p.id, amount: 40_000, receipt: 'rf_1' });
    await gateway.createRefund({ paymentId: p.id, amount: 50_000, receipt: 'rf_2' });
    const err = await gateway
      .createRefund({ paymentId: p.id, amount: 10_001, receipt: 'rf_3' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).kind).toBe('provider');
    expect((err as AppError).code).toBe('gateway_bad_request_error');
  });

  it('when a retry looks its key up → it finds the first order, payment and refund instead of writing again', async () => {
    const token = await tokenize('4111111111111111');
    expect(await gateway.findOrderByReceipt('r_retry')).toBeNull();
    const o1 = await gateway.createOrder({ amount: 100_000, currency: 'INR', receipt: 'r_retry' });
    expect((await gateway.findOrderByReceipt('r_retry'))?.id).toBe(o1.id);
    expect(await gateway.findPayment(o1.id, 'pay_key_1')).toBeNull();
    const p1 = await gateway.createPayment({
      orderId: o1.id,
      amount: 100_000,
      currency: 'INR',
      idempotencyKey: 'pay_key_1',
      email: 'a@b.in',
      contact: '+919800000000',
      instrument: { kind: 'token', token, customerId },
      capture: 'auto',
    });
    expect(await gateway.findPayment(o1.id, 'pay_key_1')).toMatchObject({ id: p1.id, status: 'captured' });
    expect(await gateway.findRefundByReceipt(p1.id, 'rf_retry')).toBeNull();
    const r1 = await gateway.createRefund({ paymentId: p1.id, amount: 1000, receipt: 'rf_retry' });
    expect((await gateway.findRefundByReceipt(p1.id, 'rf_retry'))?.id).toBe(r1.id);
    const res = await fetch(`${sim.url}/v1/orders?receipt=r_retry`, {
      headers: { authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}` },
    });
    expect(((await res.json()) as { count: number }).count).toBe(1);
  });

  it('when a payment link is created twice for one record → the retry returns the first link; cancel works while created, a paid link comes back paid', async () => {
    const input = {
      referenceId: 'bil_link_retry_0',
      amount: 1_800_000,
      currency: 'INR',
      description: 'Term fee',
      customer: { name: 'Asha Rao', email: 'asha@example.in', contact: '+919800000000' },
      expireBy: null,
    };
    const first = await gateway.createPaymentLink(input);
    expect(first).toMatchObject({
      referenceId: 'bil_link_retry_0',
      status: 'created',
      amount: 1_800_000,
      orderId: null,
    });
    expect(first.shortUrl).toMatch(/^https:\/\//);
    expect((await gateway.createPaymentLink(input)).id).toBe(first.id);
    expect(await gateway.cancelPaymentLink(first.id)).toMatchObject({ id: first.id, status: 'cancelled' });
    const paid = await gateway.createPaymentLink({ ...input, referenceId: 'bil_link_paid_0' });
    await fetch(`${sim.url}/v1/sim/payment_links/${paid.id}/pay`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`,
      },
      body: JSON.stringify({ card_number: '4111111111111111' }),
    });
    expect(await gateway.cancelPaymentLink(paid.id)).toMatchObject({ status: 'paid', amountPaid: 1_800_000 });
    expect((await gateway.fetchPaymentLink(paid.id)).orderId).toMatch(/^order_/);
  });

  it('when the key secret is wrong → 401 from the simulator, a provider error from the adapter', async () => {
    const bad = createRazorpayGateway({ keyId: KEY, keySecret: 'wrong', apiUrl: sim.url });
    await expect(bad.fetchOrder('order_x')).rejects.toMatchObject({ kind: 'provider', extra: { gateway_status: 401 } });
    const raw = await fetch(`${sim.url}/v1/orders/order_x`);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({
      error: { code: 'BAD_REQUEST_ERROR', description: 'Authentication failed' },
    });
  });

  it('when webhooks are delivered → each is signed, and a 500 from the receiver is retried with the same event id', async () => {
    await sim.idle();
    receiver.received.length = 0;
    receiver.failNext(1);
    await pay('r_hooks', await card());
    await sim.idle();
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    const events = receiver.received.map((r) => r.event);
    expect(events).toEqual(expect.arrayContaining(['payment.authorized', 'payment.captured', 'order.paid']));
    const first = receiver.received[0];
    expect(receiver.received.filter((r) => r.eventId === first?.eventId)).toHaveLength(2);
    expect(sim.deliveries.some((d) => d.status === 500)).toBe(true);
  });

  it("when the receiver keeps failing → retried on Razorpay's schedule (10 retries doubling from 1 min, within 24 h), then the webhook is disabled until enabled", async () => {
    const simCall = (method: string, path: string) =>
      fetch(`${sim.url}${path}`, {
        method,
        headers: { authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}` },
      }).then((r) => r.json() as Promise<{ disabled: boolean }>);
    await sim.idle();
    receiver.received.length = 0;
    receiver.failNext(1_000);
    const token = await tokenize('4111111111111111');
    await pay('r_hook_down', { kind: 'token', token, customerId });
    await sim.idle();
    const perEvent = new Map<string, number>();
    for (const r of receiver.received) perEvent.set(r.eventId, (perEvent.get(r.eventId) ?? 0) + 1);
    expect([...perEvent.values()]).toEqual([11, 11, 11]); // payment.authorized, payment.captured, order.paid
    expect(await simCall('GET', '/v1/sim/webhooks')).toEqual({ disabled: true });

    receiver.failNext(0);
    receiver.received.length = 0;
    await pay('r_hook_disabled', { kind: 'token', token, customerId });
    await sim.idle();
    expect(receiver.received).toEqual([]); // a disabled webhook receives nothing

    expect(await simCall('POST', '/v1/sim/webhooks/enable')).toEqual({ disabled: false });
    await pay('r_hook_enabled', { kind: 'token', token, customerId });
    await sim.idle();
    expect(receiver.received.map((r) => r.event)).toEqual(expect.arrayContaining(['payment.captured']));
  });

  it('when duplicates and shuffling are switched on → copies share an event id and order is not preserved', async () => {
    sim.configure({ webhook: { url: receiver.url, secret: HOOK_SECRET, duplicateRate: 1, shuffle: true } });
    await sim.idle();
    receiver.received.length = 0;
    for (let i = 0; i < 4; i++) await pay(`r_dup_${i}`, await card());
    await sim.idle();
    const ids = receiver.received.map((r) => r.eventId);
    expect(ids.length).toBe(2 * new Set(ids).size);
    sim.configure({ webhook: { url: receiver.url, secret: HOOK_SECRET } });
  });

  it('when latency and failure injection are set → calls slow down and writes fail as SERVER_ERROR, mapped to unavailable', async () => {
    sim.configure({ latencyMs: 150 });
    const t0 = Date.now();
    await gateway.fetchOrder((await gateway.createOrder({ amount: 5000, currency: 'INR', receipt: 'r_slow' })).id);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    sim.configure({ latencyMs: 0, failureRate: 1 });
    await expect(gateway.createOrder({ amount: 5000, currency: 'INR', receipt: 'r_fail' })).rejects.toMatchObject({
      kind: 'unavailable',
      code: 'gateway_unavailable',
    });
    sim.configure({ failureRate: 0 });
  });
});
