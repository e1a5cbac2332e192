import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RazorpaySimulator, startRazorpaySimulator } from '../../../payments-core/gateway/simulator/server.js';

const KEY = 'rzp_test_settle0000001';
const SECRET = 'settle_secret_0000001';
const ist = (dayTime: string) => new Date(`${dayTime}+05:30`);

// https://razorpay.com/docs/api/settlements: "The settlement cycle is T+2 days for domestic payments";
// https://razorpay.com/docs/api/settlements/fetch-all: from, to, count (default 10, at most 100), skip.
describe('the simulator settles on its settlement cycle, by its clock', () => {
  let sim: RazorpaySimulator;
  let now = ist('2026-12-11T12:00:00');
  const get = async (path: string) => {
    const res = await fetch(`${sim.url}${path}`, {
      headers: { authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}` },
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    sim = await startRazorpaySimulator({
      keyId: KEY,
      keySecret: SECRET,
      seed: 5,
      now: () => now,
      settlementCycleDays: 0,
    });
    const at = ist('2026-12-11T10:00:00').getTime() / 1000;
    sim.preload({
      orders: [{ id: 'order_Settle000001', amount: 50_000, currency: 'INR', receipt: 'r1', created_at: at }],
      payments: [
        {
          id: 'pay_Settle00000001',
          order_id: 'order_Settle000001',
          amount: 50_000,
          currency: 'INR',
          method: 'upi',
          fee: 1180,
          tax: 180,
          amount_refunded: 0,
          created_at: at,
        },
      ],
      refunds: [],
    });
  });
  afterAll(async () => sim.close());

  it('when the cycle is 0 → settled the same day at the capture; at 2 → in no report until the 2nd working day, then in its settlement', async () => {
    const t0 = await get('/v1/settlements/recon/combined?year=2026&month=12&day=11');
    expect(t0.body.items).toMatchObject([
      { entity_id: 'pay_Settle00000001', settled_at: ist('2026-12-11T10:00:00').getTime() / 1000 },
    ]);

    sim.configure({ settlementCycleDays: 2 });
    expect((await get('/v1/settlements/recon/combined?year=2026&month=12&day=11')).body.items).toEqual([]);
    expect((await get('/v1/settlements/recon/combined?year=2026&month=12')).body.items).toEqual([]);
    expect((await get('/v1/settlements')).body).toEqual({ entity: 'collection', count: 0, items: [] });
    expect((await get('/v1/settlements/setl_Sim20261215')).status).toBe(400);

    now = ist('2026-12-15T09:00:00'); // Tuesday: Saturday the 12th is a second Saturday
    const day = await get('/v1/settlements/recon/combined?year=2026&month=12&day=15');
    const settledAt = ist('2026-12-15T00:00:00').getTime() / 1000;
    expect(day.body.items).toMatchObject([
      { entity_id: 'pay_Settle00000001', credit: 48_820, settled_at: settledAt, settlement_id: 'setl_Sim20261215' },
    ]);
    const settlement = {
      id: 'setl_Sim20261215',
      entity: 'settlement',
      amount: 48_820,
      status: 'processed',
      fees: 0,
      tax: 0,
      utr: 'SIMUTR20261215X',
      created_at: settledAt,
    };
    expect((await get('/v1/settlements/setl_Sim20261215')).body).toEqual(settlement);
    expect((await get('/v1/settlements?count=5')).body).toEqual({
      entity: 'collection',
      count: 1,
      items: [settlement],
    });
    expect((await get(`/v1/settlements?from=${settledAt + 1}`)).body.count).toBe(0);
    const tooMany = await get('/v1/settlements?count=101');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toMatchObject({ code: 'BAD_REQUEST_ERROR', field: 'count' });
  });
});
