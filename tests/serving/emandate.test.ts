import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargeDueInstallments } from '../../payments-core/installments/charge-due-installments.js';
import { fixedClock } from '../../platform/clock.js';
import { createLog } from '../../platform/log.js';
import { seededRandom } from '../../platform/random.js';
import { type Harness, startHarness } from '../support/harness.js';

/**
 * E-mandates as Razorpay documents them, through kosh's API, the real SDK and the simulator over loopback: a
 * registration link (pending), the parent authorising at their bank (the simulator plays it), the bank confirming the
 * token later (held here until the test lets it), and only then debits by create/recurring.
 */
const clock = fixedClock(new Date('2026-12-01T04:30:00Z'));
const DAY = 24 * 3_600_000;
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ clock, simulator: { emandateConfirmDelayMs: null } });
});
afterAll(async () => h.close());

const ACCOUNT_NUMBER = '11214311215411';
const account = {
  beneficiary_name: 'Asha Rao',
  account_number: ACCOUNT_NUMBER,
  account_type: 'savings',
  ifsc_code: 'HDFC0001233',
};
const body = { auth_type: 'netbanking', max_amount: 500_000, bank_account: account };

let parents = 0;
/** A parent with no saved method yet. */
async function newParent(): Promise<{ schoolId: string; customerId: string; email: string }> {
  parents++;
  const school = await h.api('POST', '/v1/schools', {
    name: 'Greenwood High',
    city: 'Bengaluru',
    state_code: 'KA',
    gstin: '29ABCDE1234F1Z5',
  });
  const email = `parent${parents}@example.in`;
  const customer = await h.api('POST', '/v1/customers', {
    school_id: school.body.id,
    name: 'Asha Rao',
    email,
    phone: `+9198765432${String(parents).padStart(2, '0')}`,
    state_code: 'KA',
  });
  expect(customer.status).toBe(201);
  return { schoolId: school.body.id, customerId: customer.body.id, email };
}

const register = (customerId: string, b: unknown = body, key = `emandate-${Math.random()}`) =>
  h.api('POST', `/v1/customers/${customerId}/payment-methods/emandate`, b, { 'idempotency-key': key });
const methodsOf = async (customerId: string) =>
  (await h.api('GET', `/v1/customers/${customerId}/payment-methods`)).body.data as any[];
const auth = () => `Basic ${Buffer.from(`${h.sim.keyId}:${h.sim.keySecret}`).toString('base64')}`;
const simGet = async (path: string) =>
  (await fetch(`${h.sim.url}${path}`, { headers: { authorization: auth() } })).json() as Promise<any>;
const sim = async (path: string, payload: unknown = {}) => {
  const res = await fetch(`${h.sim.url}${path}`, {
    method: 'POST',
    headers: { authorization: auth(), 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  return { status: res.status, body: (await res.json()) as any };
};
/** The registration link's invoice at the gateway, as kosh recorded it. */
const invoiceOf = async (methodId: string) =>
  (
    await h.db.one<{ gateway_registration_id: string }>(
      'SELECT gateway_registration_id FROM payment_methods WHERE id = $id',
      { id: methodId },
    )
  )?.gateway_registration_id ?? '';
/** The bank verifies every authorised mandate (Razorpay: T+1 or later), then kosh applies what it sent. */
const bankConfirms = async () => {
  await sim('/v1/sim/registration-links/confirmations/process');
  await h.sim.idle();
  await h.settle();
};

describe('registering an e-mandate through a registration link', () => {
  it('when registered → 201 a pending netbanking e-mandate with its link, only the last 4 digits kept; the same key → the same method and one link; never charged while pending; authorised at the bank → still pending until the bank confirms the token → active and the default', async () => {
    const { customerId } = await newParent();
    const res = await register(customerId, body, 'emandate-first');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      type: 'netbanking',
      mandate_type: 'emandate',
      status: 'pending',
      bank: 'HDFC',
      bank_account_last4: '5411',
      bank_ifsc: 'HDFC0001233',
      mandate_auth_type: 'netbanking',
      mandate_max_amount: 500_000,
      is_default: false,
    });
    expect(res.body.registration_url).toMatch(/^https:\/\/rzp\.io\/i\//);
    expect(new Date(res.body.registration_expires_at).getTime()).toBe(clock.now().getTime() + 7 * DAY);
    // The full account number went to the gateway and nowhere in kosh.
    for (const table of ['payment_methods', 'idempotency_keys']) {
      const rows = await h.db.all(`SELECT * FROM ${table}`);
      expect(JSON.stringify(rows), table).not.toContain(ACCOUNT_NUMBER);
    }

    const again = await register(customerId, body, 'emandate-first');
    expect(again.body.id).toBe(res.body.id);
    expect((await simGet(`/v1/invoices?receipt=${res.body.id}`)).items).toHaveLength(1);

    const order = await h.api('POST', '/v1/orders', { customer_id: customerId, amount: 10_000 });
    const pendingCharge = await h.api(
      'POST',
      '/v1/payments',
      { order_id: order.body.id, payment_method_id: res.body.id },
      { 'idempotency-key': `pending-charge-${res.body.id}` },
    );
    expect(pendingCharge.body).toMatchObject({ code: 'payment_method_not_active' });

    const authorized = await sim(`/v1/sim/registration-links/${await invoiceOf(res.body.id)}/authorize`);
    expect(authorized.status).toBe(200);
    expect(authorized.body.token.recurring_details.status).toBe('initiated');
    await h.settle();
    expect((await methodsOf(customerId)).find((m) => m.id === res.body.id)).toMatchObject({ status: 'pending' });
    // The gateway takes no debit on a token the bank has not confirmed.
    const gatewayCustomer = authorized.body.payment.customer_id;
    const simOrder = await sim('/v1/orders', { amount: 10_000, currency: 'INR' });
    const early = await sim('/v1/payments/create/recurring', {
      email: 'parent@example.in',
      contact: '9876543210',
      amount: 10_000,
      currency: 'INR',
      order_id: simOrder.body.id,
      customer_id: gatewayCustomer,
      token: authorized.body.token.id,
      recurring: 1,
    });
    expect(early).toMatchObject({ status: 400, body: { error: { field: 'token' } } });

    await bankConfirms();
    expect((await methodsOf(customerId)).find((m) => m.id === res.body.id)).toMatchObject({
      status: 'active',
      is_default: true,
    });
    // Razorpay's token and invoice events carry the full account number: the inbox keeps only its last 4 digits.
    const stored = await h.db.all<{ payload: string }>(
      "SELECT payload FROM webhook_events WHERE event_type LIKE 'token.%'",
    );
    expect(stored.length).toBeGreaterThan(0);
    expect(JSON.stringify(await h.db.all('SELECT * FROM webhook_events'))).not.toContain(ACCOUNT_NUMBER);
    // The ₹0 authorisation moves no money: nothing is booked for it.
    const zero = await h.db.all('SELECT id FROM payments WHERE customer_id = $c', { c: customerId });
    expect(zero).toEqual([]);
  });

  it('when the bank rejects the mandate → token.rejected marks the method rejected', async () => {
    const { customerId } = await newParent();
    const res = await register(customerId);
    expect((await sim(`/v1/sim/registration-links/${await invoiceOf(res.body.id)}/reject`)).status).toBe(200);
    await h.settle();
    expect((await methodsOf(customerId)).find((m) => m.id === res.body.id)).toMatchObject({
      status: 'rejected',
      is_default: false,
    });
  });

  it('when the link expires unused → invoice.expired leaves the method expired, and the bank can no longer be asked', async () => {
    const { customerId } = await newParent();
    const res = await register(customerId);
    const invoice = await invoiceOf(res.body.id);
    const start = clock.now();
    clock.set(new Date(start.getTime() + 7 * DAY + 60_000));
    try {
      expect((await simGet(`/v1/invoices/${invoice}`)).status).toBe('expired');
      await h.sim.idle();
      await h.settle();
      expect((await methodsOf(customerId)).find((m) => m.id === res.body.id)).toMatchObject({ status: 'expired' });
      expect((await sim(`/v1/sim/registration-links/${invoice}/authorize`)).status).toBe(400);
    } finally {
      clock.set(start);
    }
  });

  it('when the auth type, IFSC, max amount or a bank account field is wrong → 400/422 naming the field, nothing stored, no gateway call', async () => {
    const { customerId } = await newParent();
    const { account_number: _, ...withoutNumber } = account;
    const cases: [unknown, string][] = [
      [{ ...body, auth_type: 'upi' }, '/auth_type'],
      [{ ...body, bank_account: { ...account, ifsc_code: 'HDFC1234567' } }, '/bank_account/ifsc_code'],
      [{ ...body, max_amount: 499 }, '/max_amount'],
      [{ ...body, max_amount: 10_000_000 }, '/max_amount'],
      [{ ...body, bank_account: withoutNumber }, '/bank_account/account_number'],
      [{ ...body, bank_account: { ...account, account_type: 'nre' } }, '/bank_account/account_type'],
      [{ ...body, expire_at: '2026-11-01T00:00:00Z' }, '/expire_at'],
      [{ ...body, method: 'nach' }, '/auth_type'],
      [{ ...body, auth_type: 'physical' }, '/auth_type'],
    ];
    const linksBefore = (await simGet('/v1/invoices')).items.length;
    for (const [b, field] of cases) {
      const res = await register(customerId, b);
      expect([400, 422], JSON.stringify(b)).toContain(res.status);
      expect(
        res.body.errors.map((e: { field: string }) => e.field),
        JSON.stringify(b),
      ).toContain(field);
    }
    expect(await methodsOf(customerId)).toEqual([]);
    expect((await simGet('/v1/invoices')).items).toHaveLength(linksBefore);
  });
});

describe('a paper NACH mandate', () => {
  it('when registered with method nach → 201 pending with the prefilled form to print and sign and the link to upload it at; the signed form accepted and the token confirmed → active', async () => {
    const { customerId } = await newParent();
    const res = await register(customerId, { ...body, method: 'nach', auth_type: 'physical' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ mandate_type: 'emandate', mandate_auth_type: 'physical', status: 'pending' });
    expect(res.body.nach_form_url).toMatch(/^https:\/\/rzp\.io\/i\//);
    expect(res.body.nach_form_url).not.toBe(res.body.registration_url);
    const invoice = await simGet(`/v1/invoices/${await invoiceOf(res.body.id)}`);
    expect(invoice.token).toMatchObject({ method: 'nach', auth_type: 'physical', max_amount: 500_000 });
    const accepted = await sim(`/v1/sim/registration-links/${invoice.id}/authorize`);
    expect(accepted.body.token.method).toBe('nach');
    await h.settle();
    await bankConfirms();
    expect((await methodsOf(customerId)).find((m) => m.id === res.body.id)).toMatchObject({ status: 'active' });

    // The bank cancels the mandate later (Razorpay's token.cancelled, as for UPI AutoPay): never debited again.
    const token = { ...accepted.body.token, status: 'cancelled', recurring_details: { status: 'cancelled' } };
    const event = JSON.stringify({
      entity: 'event',
      event: 'token.cancelled',
      contains: ['token'],
      payload: { token: { entity: token } },
      created_at: Math.floor(clock.now().getTime() / 1000) + 60,
    });
    expect((await h.deliver(event, `evt_nach_cancel_${res.body.id}`)).status).toBe(200);
    await h.settle();
    expect((await methodsOf(customerId)).find((m) => m.id === res.body.id)).toMatchObject({
      status: 'cancelled',
      is_default: false,
    });
  });
});

describe('an e-mandate of a customer who asks to be forgotten', () => {
  it('when exported → the account shows as its last 4 digits and IFSC; when erased → those are gone and the token is deleted at Razorpay', async () => {
    const { customerId } = await newParent();
    const reg = await register(customerId);
    const authorized = await sim(`/v1/sim/registration-links/${await invoiceOf(reg.body.id)}/authorize`);
    await h.settle();
    await bankConfirms();
    const exported = await h.api('GET', `/v1/customers/${customerId}/export`);
    expect(exported.status).toBe(200);
    expect(exported.body.payment_methods).toMatchObject([
      { id: reg.body.id, bank_account_last4: '5411', bank_ifsc: 'HDFC0001233', mandate_type: 'emandate' },
    ]);
    expect(JSON.stringify(exported.body)).not.toContain(ACCOUNT_NUMBER);
    const gatewayCustomer = authorized.body.payment.customer_id;
    const tokenId = authorized.body.token.id;
    expect((await simGet(`/v1/customers/${gatewayCustomer}/tokens/${tokenId}`)).id).toBe(tokenId);

    expect((await h.api('POST', `/v1/customers/${customerId}/erase`)).status).toBe(200);
    const row = await h.db.one(
      'SELECT bank_account_last4, bank_ifsc, registration_url FROM payment_methods WHERE id = $id',
      {
        id: reg.body.id,
      },
    );
    expect(row).toEqual({ bank_account_last4: null, bank_ifsc: null, registration_url: null });
    expect((await simGet(`/v1/customers/${gatewayCustomer}/tokens/${tokenId}`)).error).toMatchObject({
      field: 'token_id',
    });
  });
});

describe('debits on a confirmed e-mandate', () => {
  const deps = () => ({
    db: h.db,
    clock,
    gateway: h.gateway,
    log: createLog({ level: 'silent' }),
    random: seededRandom(7),
  });

  it('when an installment falls due → kosh emails its pre-debit notice, debits no sooner than 24 h after it, by create/recurring on the token; the ledger posts the capture once', async () => {
    const parent = await newParent();
    const reg = await register(parent.customerId);
    await sim(`/v1/sim/registration-links/${await invoiceOf(reg.body.id)}/authorize`);
    await h.settle();
    await bankConfirms();
    const token = (
      await h.db.one<{ gateway_token: string }>('SELECT gateway_token FROM payment_methods WHERE id = $id', {
        id: reg.body.id,
      })
    )?.gateway_token;
    expect(token).toMatch(/^token_/);

    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 60_000 });
    const plan = (
      await h.api('POST', `/v1/orders/${order.body.id}/installments`, {
        count: 2,
        first_due_at: new Date(clock.now().getTime() + 3_600_000).toISOString(),
      })
    ).body;
    const [first] = plan.installments;

    // The daily run announces the debit: a notice recorded and an email queued to the parent.
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ notified: 1 });
    const emails = await h.db.all<{ kind: string; to_address: string; ref_id: string }>(
      "SELECT kind, to_address, ref_id FROM email_outbox WHERE customer_id = $c AND kind = 'pre_debit'",
      { c: parent.customerId },
    );
    expect(emails).toEqual([{ kind: 'pre_debit', to_address: parent.email, ref_id: first.id }]);

    // Due an hour later: the notice is not 24 h old yet, so nothing is sent to the gateway.
    clock.set(new Date(first.due_at));
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ deferred: 1, paid: 0 });
    expect(h.sim.payments().filter((p) => p.status === 'captured' && p.amount === 30_000)).toHaveLength(0);

    clock.advance(DAY);
    // Razorpay answers an e-mandate debit `created` and the bank debits it later: kosh waits for its webhooks.
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ processing: 1, paid: 0 });
    await h.sim.idle();
    await h.settle();
    expect((await h.api('GET', `/v1/installment-plans/${plan.id}`)).body.installments[0].status).toBe('paid');
    const paymentId = (await h.api('GET', `/v1/installment-plans/${plan.id}`)).body.installments[0].last_payment_id;
    const payment = await h.db.one<{ gateway_payment_id: string }>(
      'SELECT gateway_payment_id FROM payments WHERE id = $id',
      { id: paymentId },
    );
    const atGateway = await simGet(`/v1/payments/${payment?.gateway_payment_id}`);
    expect(atGateway).toMatchObject({ method: 'emandate', token_id: token, status: 'captured', amount: 30_000 });
    await sim('/v1/sim/webhooks/replay');
    await h.sim.idle();
    await h.settle();
    const captures = await h.db.all<{ gross: number }>(
      `SELECT -sum(l.amount_minor)::INTEGER AS gross FROM journal_entries e
       JOIN journal_lines l ON l.entry_id = e.id AND l.account = 'school_payable'
       WHERE e.kind = 'capture' AND e.ref_id = $id GROUP BY e.id`,
      { id: paymentId },
    );
    expect(captures).toEqual([{ gross: 30_000 }]);
    expect((await h.api('GET', '/v1/ledger/balances')).body.balanced).toBe(true);
  });
});
