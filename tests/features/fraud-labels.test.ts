import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineFraudFeatures } from '../../features/fraud/offline-features.js';
import { type DeclineReason, decideReview, queueReview } from '../../models/fraud/reviews.js';
import { fixedClock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { migrate } from '../../platform/migrate.js';
import { openTestDb } from '../support/db.js';

const NOW = new Date('2026-11-28T06:00:00Z');
const t0 = Date.parse('2026-11-20T10:00:00Z');
const min = 60_000;

/**
 * The fraud label definition through the real training-set query (offlineFraudFeatures) and the real review
 * decision (decideReview): confirmed fraud only, never a plain operator decline.
 */
describe('fraud labels', () => {
  let db: Db;
  const clock = fixedClock(NOW);
  const release = async () => ({ ok: true });
  // id, fraud_label, what happens to its review
  const cases: [string, string | null, 'approve' | DeclineReason | 'decline_without_reason' | 'legacy' | null][] = [
    ['pay_plain', null, null],
    ['pay_confirmed', 'card_testing', null],
    ['pay_fraud_decline', null, 'fraud'],
    ['pay_customer_asked', null, 'customer_request'],
    ['pay_duplicate', null, 'duplicate'],
    ['pay_other', null, 'other'],
    ['pay_no_reason', null, 'decline_without_reason'],
    ['pay_legacy', null, 'legacy'],
    ['pay_approved', null, 'approve'],
  ];

  beforeAll(async () => {
    db = await openTestDb();
    await migrate(db, clock);
    for (const [i, [id, label, review]] of cases.entries()) {
      const at = new Date(t0 + i * 90 * min);
      await db.run(
        `INSERT INTO orders (id, customer_id, school_id, amount_minor, currency, status, created_at, updated_at)
         VALUES ($order_id, 'cus_a', 'sch_1', 110000, 'INR', 'attempted', $at, $at)`,
        { order_id: `ord_${id}`, at },
      );
      await db.run(
        `INSERT INTO payments (id, order_id, customer_id, school_id, payment_method_id, method, amount_minor, currency,
           status, capture_mode, device_id, ip, fraud_label, created_at, updated_at)
         VALUES ($id, $order_id, 'cus_a', 'sch_1', 'pm_1', 'upi', 110000, 'INR', 'captured', 'auto', 'dev_1', '1.1.1.1',
           $label, $at, $at)`,
        { id, order_id: `ord_${id}`, label, at },
      );
      if (review === null) continue;
      if (review === 'legacy') {
        // Declined before reasons were recorded (migration 022): no reason, so not confirmed fraud.
        await db.run(
          `INSERT INTO fraud_reviews (id, payment_id, decision_id, customer_id, amount_minor, state, outcome, reviewer,
             created_at, decided_at)
           VALUES ('frv_legacy', $id, 'fdec_legacy', 'cus_a', 110000, 'declined', 'declined', 'old', $at, $at)`,
          { id, at },
        );
        continue;
      }
      await queueReview(
        { db, clock },
        { payment_id: id, decision_id: `fdec_${id}`, customer_id: 'cus_a', amount: 110000 },
      );
      const queued = await db.one<{ id: string }>('SELECT id FROM fraud_reviews WHERE payment_id = $id', { id });
      await decideReview(
        { db, clock, release },
        {
          id: queued?.id as string,
          approve: review === 'approve',
          reviewer: 'ops',
          ...(review === 'approve' || review === 'decline_without_reason' ? {} : { reason: review }),
        },
      );
    }
  });
  afterAll(async () => {
    await db.close();
  });

  it('when a review is declined as fraud → a label; a plain, reasonless or legacy decline → not a label', async () => {
    const set = await offlineFraudFeatures({ db });
    const labelOf = Object.fromEntries(set.ids.map((id, i) => [id, set.labels[i]]));
    expect(labelOf).toEqual({
      pay_plain: 0,
      pay_confirmed: 1,
      pay_fraud_decline: 1,
      pay_customer_asked: 0,
      pay_duplicate: 0,
      pay_other: 0,
      pay_no_reason: 0,
      pay_legacy: 0,
      pay_approved: 0,
    });
  });

  it('when a review is decided → its reason is stored: the given one, `other` by default, none on approval', async () => {
    const rows = await db.all<{ payment_id: string; state: string; reason: string | null }>(
      'SELECT payment_id, state, reason FROM fraud_reviews ORDER BY payment_id',
    );
    expect(rows).toEqual([
      { payment_id: 'pay_approved', state: 'approved', reason: null },
      { payment_id: 'pay_customer_asked', state: 'declined', reason: 'customer_request' },
      { payment_id: 'pay_duplicate', state: 'declined', reason: 'duplicate' },
      { payment_id: 'pay_fraud_decline', state: 'declined', reason: 'fraud' },
      { payment_id: 'pay_legacy', state: 'declined', reason: null },
      { payment_id: 'pay_no_reason', state: 'declined', reason: 'other' },
      { payment_id: 'pay_other', state: 'declined', reason: 'other' },
    ]);
  });

  it('when an approval carries a reason, or a reason is unknown → refused, nothing changes', async () => {
    await queueReview(
      { db, clock },
      { payment_id: 'pay_plain', decision_id: 'fdec_plain', customer_id: 'cus_a', amount: 110000 },
    );
    const queued = await db.one<{ id: string }>("SELECT id FROM fraud_reviews WHERE payment_id = 'pay_plain'");
    await expect(
      decideReview(
        { db, clock, release },
        { id: queued?.id as string, approve: true, reviewer: 'ops', reason: 'fraud' },
      ),
    ).rejects.toMatchObject({ code: 'reason_on_approval' });
    await expect(
      db.run("UPDATE fraud_reviews SET state = 'declined', reason = 'looked odd' WHERE payment_id = 'pay_plain'"),
    ).rejects.toThrow(/fraud_reviews_reason_known/);
    const after = await db.one<{ state: string; reason: string | null }>(
      "SELECT state, reason FROM fraud_reviews WHERE payment_id = 'pay_plain'",
    );
    expect(after).toEqual({ state: 'pending', reason: null });
  });
});
