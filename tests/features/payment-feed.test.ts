import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { F, type FraudAttempt } from '../../features/fraud/feature-set.js';
import { loadFollowedOnlineFraudFeatures } from '../../features/fraud/follow-payment-changes.js';
import { runBilling } from '../../payments-core/billing/run-billing.js';
import { FEED_START, readPaymentChanges } from '../../payments-core/payments/read-payment-changes.js';
import { MARK_PAYMENT_FAILED } from '../../payments-core/payments/repository.js';
import type { Sql } from '../../platform/db.js';
import { createLog } from '../../platform/log.js';
import { type BillingEnv, billingEnv } from '../payments-core/billing/support.js';

// Subscriptions start 1 November 2026 00:30 IST; period 0 ends 1 December 00:00 IST (30 Nov 18:30 UTC).
const START = new Date('2026-10-31T19:00:00Z');
const AFTER_END = new Date('2026-11-30T19:00:00Z');
const MINUTE = 60_000;
const log = createLog({ level: 'silent' });

let env: BillingEnv;
beforeAll(async () => {
  env = await billingEnv(START);
});
afterAll(async () => env?.close());

/** An order and its payment for `cus_feed` at sch_1, written as its owner's statements would (plain SQL here). */
async function insertPayment(sql: Sql, id: string, at: Date): Promise<void> {
  await sql.run(
    `INSERT INTO orders (id, customer_id, school_id, amount_minor, currency, status, created_at, updated_at)
     VALUES ($order_id, 'cus_feed', 'sch_1', 50000, 'INR', 'attempted', $at, $at)`,
    { order_id: `ord_${id}`, at },
  );
  await sql.run(
    `INSERT INTO payments (id, order_id, customer_id, school_id, payment_method_id, method, amount_minor, currency,
       status, capture_mode, device_id, created_at, updated_at)
     VALUES ($id, $order_id, 'cus_feed', 'sch_1', NULL, 'upi', 50000, 'INR', 'created', 'auto', 'dev_feed', $at, $at)`,
    { id, order_id: `ord_${id}`, at },
  );
}

const probe = (customer_id: string, school_id: string, at: Date): FraudAttempt => ({
  id: 'probe',
  customer_id,
  school_id,
  amount: 100,
  method_fingerprint: null,
  device_id: null,
  ip: null,
  at,
});

describe('the payments change feed', () => {
  it('when a transaction commits before an older one that took a lower seq → the feed hands out neither until both ended, then both, oldest transaction first', async () => {
    const at = new Date(START.getTime() + MINUTE);
    const all = async () =>
      (await readPaymentChanges({ db: env.db }, { after: FEED_START, limit: 100 }))
        .filter((c) => c.id.startsWith('pay_gap_'))
        .map((c) => c.id);
    let aInserted!: () => void;
    const aInsertedP = new Promise<void>((r) => {
      aInserted = r;
    });
    let commitA!: () => void;
    const commitAP = new Promise<void>((r) => {
      commitA = r;
    });
    // A takes its seq first and stays open; B takes the next seq and commits.
    const a = env.db.transaction(async (tx) => {
      await insertPayment(tx, 'pay_gap_a', at);
      aInserted();
      await commitAP;
    });
    await aInsertedP;
    await env.db.transaction(async (tx) => insertPayment(tx, 'pay_gap_b', at));
    const seqs = await env.db.all<{ payment_id: string; seq: number }>(
      "SELECT payment_id, seq FROM payment_changes WHERE payment_id LIKE 'pay_gap_%' ORDER BY seq",
    );
    // B's change is committed, A's is not: a reader keeping "the highest seq read" would pass A's seq now.
    expect(seqs.map((s) => s.payment_id)).toEqual(['pay_gap_b']);
    expect(await all()).toEqual([]);
    commitA();
    await a;
    expect(await all()).toEqual(['pay_gap_a', 'pay_gap_b']);
    const both = await env.db.all<{ payment_id: string; seq: number }>(
      "SELECT payment_id, seq FROM payment_changes WHERE payment_id LIKE 'pay_gap_%' ORDER BY seq",
    );
    expect(both.map((s) => s.payment_id)).toEqual(['pay_gap_a', 'pay_gap_b']);
  });

  it('when the billing run charges a subscription → the online features of a second process count it for its customer, once, and a failure reaches them too', async () => {
    await env.seed({ count: 1, startAt: START, unitAmount: 250_000, quantity: 1, setupFee: 0 });
    const customer = await env.db.one<{ id: string; school_id: string }>('SELECT id, school_id FROM customers');
    if (customer === undefined) throw new Error('no customer');
    // Two processes on one database, each loaded at its start and following the feed (ticked here, not timed).
    const loadedAt = new Date(START.getTime() + 2 * MINUTE);
    const first = await loadFollowedOnlineFraudFeatures(
      { db: env.db, clock: env.clock, log },
      { now: loadedAt, intervalMs: 0 },
    );
    const second = await loadFollowedOnlineFraudFeatures(
      { db: env.db, clock: env.clock, log },
      { now: loadedAt, intervalMs: 0 },
    );
    const later = new Date(AFTER_END.getTime() + MINUTE);
    const attempts = (s: typeof second) =>
      s.features.vector(probe(customer.id, customer.school_id, later))[F.customerAttemptsBefore];
    expect(attempts(second)).toBe(0);

    env.clock.set(AFTER_END);
    const summary = await runBilling(env.deps(), { now: env.clock.now() });
    expect(summary).toMatchObject({ paid: 1 });
    expect(await second.feed.tick()).toBeGreaterThan(0);
    const v = second.features.vector(probe(customer.id, customer.school_id, later));
    expect(v[F.customerAttemptsBefore]).toBe(1);
    expect(v[F.velocity(0, 0)]).toBe(1); // the customer's attempts in the last 10 minutes
    expect(v[F.velocity(0, 0) + 1]).toBe(250_000); // and their sum
    expect(await second.feed.tick()).toBe(0);
    expect(attempts(second)).toBe(1);

    // The HTTP path records its payment directly on its own process (the score right after sees it); the feed then
    // brings the same payment: still one attempt. Its failure comes only through the feed, on both processes.
    const direct = new Date(AFTER_END.getTime() + 2 * MINUTE);
    await insertPayment(env.db, 'pay_direct', direct);
    first.features.record({
      id: 'pay_direct',
      customer_id: 'cus_feed',
      school_id: 'sch_1',
      amount: 50000,
      method_fingerprint: null,
      device_id: 'dev_feed',
      ip: null,
      at: direct,
    });
    const afterDirect = new Date(direct.getTime() + MINUTE);
    const feedCustomer = (s: typeof first) => s.features.vector(probe('cus_feed', 'sch_1', afterDirect));
    expect(feedCustomer(first)[F.customerAttemptsBefore]).toBe(3); // pay_gap_a, pay_gap_b (loaded), pay_direct
    await env.db.run(MARK_PAYMENT_FAILED, {
      id: 'pay_direct',
      code: 'BAD_REQUEST_ERROR',
      description: 'declined',
      at: new Date(direct.getTime() + 10_000),
      from: 'created',
    });
    await first.feed.tick();
    await second.feed.tick();
    for (const s of [first, second]) {
      const w = feedCustomer(s);
      // cus_feed: pay_gap_a, pay_gap_b (loaded) and pay_direct; the direct record and the feed count pay_direct once.
      expect(w[F.customerAttemptsBefore]).toBe(3);
      expect(w[F.velocity(0, 0)]).toBe(1);
      expect(w[F.failures(0)]).toBe(1);
    }
    await first.feed.stop();
    await second.feed.stop();
  });
});
