import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../platform/clock.js';
import { type Harness, seedParent, startHarness } from '../../support/harness.js';

/**
 * UPI AutoPay as Razorpay documents it, through kosh's API, the real SDK and the simulator over loopback: a mandate is
 * registered (pending), approved or rejected in the parent's UPI app (the simulator plays it), and only then charged.
 * One harness for the file.
 */
const clock = fixedClock(new Date('2026-12-07T05:00:00Z'));
let h: Harness;
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
const sim = (path: string, body: unknown = {}) =>
  fetch(`${h.sim.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${h.sim.keyId}:${h.sim.keySecret}`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  h = await startHarness({ clock });
  ({ customerId, methodId: cardMethodId } = await seedParent(h));
});
afterAll(async () => h.close());

describe('registering a UPI AutoPay mandate', () => {
  it('when the terms are out of range or the mandate ends in the past → 400/422 naming the field, nothing saved', async () => {
    const before = (await methods()).length;
    const cases: [Record<string, unknown>, string][] = [
      [{ max_amount: 99 }, '/max_amount'],
      [{ max_amount: 1_500_001 }, '/max_amount'],
      [{ frequency: 'weekly' }, '/frequency'],
      [{ expire_at: '2026-12-01T00:00:00Z' }, '/expire_at'],
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

  it('when the parent approves in their UPI app → token.confirmed makes the method active with the masked VPA', async () => {
    const res = await register();
    expect(
      (
        await sim(`/v1/sim/upi-mandates/${registrationPayment(res.body.intent_url)}/approve`, {
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
  });

  it('when the parent rejects it → token.rejected marks the method rejected', async () => {
    const res = await register();
    expect((await sim(`/v1/sim/upi-mandates/${registrationPayment(res.body.intent_url)}/reject`)).status).toBe(200);
    await h.settle();
    expect((await methods()).find((m) => m.id === res.body.id)).toMatchObject({ status: 'rejected' });
  });
});
