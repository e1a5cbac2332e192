import Razorpay from 'razorpay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RazorpaySimulator, startRazorpaySimulator } from '../../../payments-core/gateway/simulator/server.js';
import { type ContractEndpoint, contractViolation, loadContract } from '../../support/razorpay-contract.js';

/**
 * Razorpay's documented examples (tests/fixtures/razorpay-contract/, one file per entity, each endpoint citing its
 * page) against the simulator: each documented response's fields are in the simulator's answer with the same JSON
 * type; and the checker the test harness runs on every request kosh's adapter sends refuses what the docs do not allow.
 */
const KEY = 'rzp_test_contract02';
const SECRET = 'contract_secret_02';
const contract = loadContract();
let sim: RazorpaySimulator;
let sdk: Razorpay;

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Documented top-level fields missing from `actual` or of another JSON type (null on either side matches any). */
function shapeGaps(documented: Record<string, unknown>, actual: Record<string, unknown>): string[] {
  const gaps: string[] = [];
  for (const [spaced, value] of Object.entries(documented)) {
    const key = spaced.trim(); // the SDK's customer example has a "created_at " key
    if (!(key in actual)) gaps.push(`${key} missing`);
    else if (value !== null && actual[key] !== null && typeOf(value) !== typeOf(actual[key])) {
      // Razorpay documents `notes` both as {} and as [] (an empty object serialises as []).
      if (key !== 'notes') gaps.push(`${key}: ${typeOf(actual[key])}, documented ${typeOf(value)}`);
    }
  }
  return gaps;
}

beforeAll(async () => {
  sim = await startRazorpaySimulator({
    keyId: KEY,
    keySecret: SECRET,
    seed: 4,
    now: () => new Date('2026-12-07T05:00:00Z'),
  });
  sdk = new Razorpay({ key_id: KEY, key_secret: SECRET });
  (sdk as unknown as { api: { rq: { defaults: { baseURL: string } } } }).api.rq.defaults.baseURL = sim.url;
});
afterAll(async () => sim.close());

describe("the request checker the harness runs on kosh's adapter", () => {
  const order = contract.find((e) => e.method === 'POST' && e.path === '/v1/orders' && e.title === 'Create order');
  const check = (method: string, path: string, body: Record<string, unknown>, query: Record<string, string> = {}) =>
    contractViolation(contract, { method, path, body, query, userAgent: 'razorpay-node@test' });

  it('when a request matches a documented variant → accepted; an undocumented field, a missing mandatory one or an undocumented endpoint → refused naming it', () => {
    expect(order).toBeDefined();
    expect(check('POST', '/v1/orders', { amount: 100, currency: 'INR', receipt: 'r1', notes: {} })).toBeNull();
    // The UPI AutoPay order is another documented variant of the same endpoint.
    expect(
      check('POST', '/v1/orders', { amount: 100, currency: 'INR', method: 'upi', customer_id: 'cust_1', token: {} }),
    ).toBeNull();
    expect(check('POST', '/v1/orders', { amount: 100, currency: 'INR', vpa: 'x@upi' })).toMatch(/undocumented vpa/);
    expect(check('POST', '/v1/orders', { amount: 100 })).toMatch(/missing currency/);
    expect(check('GET', '/v1/orders', {}, { receipt: 'r1', count: '1' })).toBeNull();
    expect(check('GET', '/v1/settlements/recon/combined', {}, { month: '12' })).toMatch(/missing year/);
    expect(check('POST', '/v1/payments/create/json', { amount: 1 })).toMatch(/no documented endpoint/);
  });
});

describe('documented responses against the simulator', () => {
  it('when each documented entity is made and fetched → every documented field is there, with its type', async () => {
    const customer = (await sdk.customers.create({
      name: 'Gaurav Kumar',
      email: 'g@example.com',
      contact: '9123456780',
    })) as any;
    const token = (await (
      await fetch(`${sim.url}/v1/sim/tokens`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          customer_id: customer.id,
          number: '4111111111111111',
          expiry_month: 12,
          expiry_year: 2030,
          cvv: '123',
        }),
      })
    ).json()) as { id: string };
    const order = (await sdk.orders.create({ amount: 50_000, currency: 'INR', receipt: 'contract-1' })) as any;
    const paid = (await sdk.payments.createRecurringPayment({
      email: 'g@example.com',
      contact: '9123456780',
      amount: 50_000,
      currency: 'INR',
      order_id: order.id,
      customer_id: customer.id,
      token: token.id,
      recurring: '1',
    } as never)) as any;
    const captured = (await sdk.payments.capture(paid.razorpay_payment_id, 50_000, 'INR')) as any;
    const refund = (await sdk.payments.refund(captured.id, { amount: 10_000 } as never)) as any;
    const link = (await sdk.paymentLink.create({
      amount: 50_000,
      currency: 'INR',
      reference_id: 'contract-link',
      description: 'Lunch',
    } as never)) as any;
    // A one-time UPI intent, sent as the documented example sends it (its customer and order made above).
    const intentOrder = (await sdk.orders.create({ amount: 100, currency: 'INR', receipt: 'contract-upi' })) as any;
    const intent = (await sdk.payments.createUpi({
      amount: 100,
      currency: 'INR',
      order_id: intentOrder.id,
      email: 'g@example.com',
      contact: '9090909090',
      customer_id: customer.id,
      method: 'upi',
      ip: '192.168.0.103',
      referer: 'http',
      user_agent: 'Mozilla/5.0',
      description: 'Test flow',
      upi: { flow: 'intent' },
    } as never)) as any;
    // The capture, on the simulator's clock (Monday 7 Dec 2026, IST), settles T+2 working days later, on Wednesday the
    // 9th: the month's report (by settlement date) holds it once that day has come on the simulator's clock.
    sim.configure({ now: () => new Date('2026-12-10T05:00:00Z') });
    const recon = (await sdk.settlements.reports({
      year: 2026,
      month: 12,
    } as never)) as unknown as { items: { settlement_id: string }[] };
    // The parent's bank raising a chargeback on the captured payment (the simulator's stand-in for the bank).
    const dispute = (await (
      await fetch(`${sim.url}/v1/sim/payments/${captured.id}/disputes`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ phase: 'chargeback', reason_code: 'chargeback' }),
      })
    ).json()) as { id: string };
    // An e-mandate registration link, sent as the documented example sends it (razorpay-node documents/emandate.md).
    const registration = (await sdk.subscriptions.createRegistrationLink({
      customer: { name: 'Gaurav Kumar', email: 'gaurav.kumar@example.com', contact: '9123456780' },
      type: 'link',
      amount: 0,
      currency: 'INR',
      description: '12 p.m. Meals',
      subscription_registration: {
        method: 'emandate',
        auth_type: 'netbanking',
        expire_at: 1880480689,
        max_amount: 50000,
        bank_account: {
          beneficiary_name: 'Gaurav Kumar',
          account_number: '11214311215411',
          account_type: 'savings',
          ifsc_code: 'HDFC0001233',
        },
      },
      receipt: 'Receipt no. 1',
      expire_by: 1880480689,
      sms_notify: true,
      email_notify: true,
      notes: { 'note_key 1': 'Beam me up Scotty', 'note_key 2': 'Tea. Earl Gray. Hot.' },
    } as never)) as any;
    expect(registration).toMatchObject({ entity: 'invoice', type: 'link', status: 'issued', amount: 0 });
    // Paper NACH as documents/papernach.md sends it (its expire_by, long past, moved to the future).
    const nach = (await sdk.subscriptions.createRegistrationLink({
      customer: { name: 'Gaurav Kumar', email: 'gaurav.kumar@example.com', contact: 9123456780 },
      amount: 0,
      currency: 'INR',
      type: 'link',
      description: '12 p.m. Meals',
      subscription_registration: {
        method: 'nach',
        auth_type: 'physical',
        bank_account: {
          beneficiary_name: 'Gaurav Kumar',
          account_number: 11214311215411,
          account_type: 'savings',
          ifsc_code: 'HDFC0001233',
        },
        nach: { form_reference1: 'Recurring Payment for Gaurav Kumar', form_reference2: 'Method Paper NACH' },
        expire_at: 1947483647,
        max_amount: 50000,
      },
      receipt: 'Receipt No. 1',
      sms_notify: true,
      email_notify: true,
      expire_by: 1880480689,
      notes: { 'note_key 1': 'Beam me up Scotty', 'note_key 2': 'Tea. Earl Gray. Hot.' },
    } as never)) as any;
    expect(nach.nach_form_url).toMatch(/^https:\/\/rzp\.io\/i\//);
    const answers: Record<string, () => Promise<unknown>> = {
      'GET /v1/invoices/:id': () => sdk.invoices.fetch(registration.id),
      // The documented answer is paper NACH's (the e-mandate page documents it only by a link).
      'POST /v1/subscription_registration/auth_links': async () => nach,
      'POST /v1/customers': async () => customer,
      'GET /v1/customers/:id': () => sdk.customers.fetch(customer.id),
      'GET /v1/customers/:id/tokens': () => sdk.customers.fetchTokens(customer.id),
      'GET /v1/customers/:id/tokens/:token_id': () => sdk.customers.fetchToken(customer.id, token.id),
      // Listed after the fetches in tokens.json, so it runs after them.
      'DELETE /v1/customers/:id/tokens/:token_id': () => sdk.customers.deleteToken(customer.id, token.id),
      'POST /v1/orders': async () => order,
      'GET /v1/orders': () => sdk.orders.all({ receipt: 'contract-1' } as never),
      'GET /v1/orders/:id': () => sdk.orders.fetch(order.id),
      'GET /v1/orders/:id/payments': () => sdk.orders.fetchPayments(order.id),
      'POST /v1/payments/:id/capture': async () => captured,
      'GET /v1/payments/:id': () => sdk.payments.fetch(captured.id),
      'POST /v1/payments/create/recurring': async () => paid,
      // Both documented create/upi answers (one-time intent, AutoPay authorisation) are {razorpay_payment_id, link}.
      'POST /v1/payments/create/upi': async () => intent,
      'POST /v1/payments/:id/refund': async () => refund,
      'GET /v1/payments/:id/refunds': () => sdk.payments.fetchMultipleRefund(captured.id, {} as never),
      'GET /v1/payments/:id/refunds/:refund_id': () => sdk.payments.fetchRefund(captured.id, refund.id),
      'GET /v1/refunds/:id': () => sdk.refunds.fetch(refund.id),
      'POST /v1/payment_links': async () => link,
      'GET /v1/payment_links/:id': () => sdk.paymentLink.fetch(link.id),
      'GET /v1/settlements/recon/combined': async () => recon,
      'GET /v1/settlements/:id': () => sdk.settlements.fetch(String(recon.items[0]?.settlement_id)),
      'GET /v1/settlements': () => sdk.settlements.all({ count: 10 } as never),
      'GET /v1/disputes': () => sdk.disputes.all({ count: 10 }),
      'GET /v1/disputes/:id': () => sdk.disputes.fetch(dispute.id),
      // Listed after the fetches in disputes.json, so it runs after them.
      'POST /v1/disputes/:id/accept': () => sdk.disputes.accept(dispute.id),
    };
    const results: { endpoint: ContractEndpoint; gaps: string[] }[] = [];
    for (const endpoint of contract) {
      if (endpoint.response === null) continue;
      const answer = answers[`${endpoint.method} ${endpoint.path}`];
      if (answer === undefined) continue;
      let actual = (await answer()) as Record<string, unknown>;
      let documented = endpoint.response;
      // A collection: compare its first item with the documented first item.
      if (documented['entity'] === 'collection' && Array.isArray(documented['items'])) {
        const items = (actual['items'] as Record<string, unknown>[]) ?? [];
        expect(items.length, `${endpoint.title}: the simulator listed nothing`).toBeGreaterThan(0);
        documented = (documented['items'] as Record<string, unknown>[])[0] ?? {};
        actual = items[0] ?? {};
      }
      results.push({ endpoint, gaps: shapeGaps(documented, actual) });
    }
    const held = contract.filter((e) => e.response !== null).length;
    const unchecked = contract.filter((e) => e.response !== null && !results.some((r) => r.endpoint === e));
    const failing = results.filter((r) => r.gaps.length > 0);
    console.log(
      `razorpay contract: ${contract.length} documented endpoints, ${held} documented responses, ${results.length} checked against the simulator, ${results.length - failing.length} pass; not checked: ${unchecked.map((e) => `${e.method} ${e.path} (${e.title})`).join('; ')}`,
    );
    expect(
      failing.map((r) => `${r.endpoint.entity} "${r.endpoint.title}" (${r.endpoint.doc}): ${r.gaps.join(', ')}`),
    ).toEqual([]);
  });
});
