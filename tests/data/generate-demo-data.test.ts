import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayWeight, generateDemoData } from '../../data/generate-demo-data.js';
import { isDatabaseEmpty, seedDemoData } from '../../data/seed.js';
import { F } from '../../features/fraud/feature-set.js';
import { offlineFraudFeatures } from '../../features/fraud/offline-features.js';
import { containsPan } from '../../platform/card-data.js';
import { fixedClock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { migrate } from '../../platform/migrate.js';
import { openTestDb } from '../support/db.js';

const END = new Date('2026-11-28T00:00:00Z');

function fingerprint(seed: number, payments: number): string {
  const hash = createHash('sha256');
  for (const batch of generateDemoData({ seed, payments, months: 12, end: END, batchSize: 1000 }))
    hash.update(JSON.stringify(batch));
  return hash.digest('hex');
}

describe('demo data', () => {
  let db: Db;
  const clock = fixedClock(END);
  beforeAll(async () => {
    db = await openTestDb();
    await migrate(db, clock);
    expect(await isDatabaseEmpty(db)).toBe(true);
    await seedDemoData({ db, clock }, { seed: 7, payments: 20_000 });
  });
  afterAll(async () => db.close());

  it('when the same seed is used twice → identical data; another seed → different data', () => {
    expect(fingerprint(11, 3000)).toBe(fingerprint(11, 3000));
    expect(fingerprint(11, 3000)).not.toBe(fingerprint(12, 3000));
  });

  it('when 20k payments are seeded → exactly 20k payments, several states, and the database is no longer empty', async () => {
    expect((await db.one<{ n: number }>('SELECT count(*)::BIGINT AS n FROM payments'))?.n).toBe(20_000);
    const states = await db.all<{ state_code: string }>('SELECT DISTINCT state_code FROM schools');
    expect(states.length).toBeGreaterThanOrEqual(5);
    expect(await isDatabaseEmpty(db)).toBe(false);
  });

  it('when first attempts, refunds, fraud and methods are counted → each sits in its realistic band', async () => {
    const r = await db.one<{
      first_fail: number;
      refund_rate: number;
      fraud_rate: number;
      upi: number;
      card: number;
      netbanking: number;
      wallet: number;
    }>(`
      WITH first_attempt AS (
        SELECT * FROM (
          SELECT p.*, row_number() OVER (PARTITION BY order_id ORDER BY created_at, id) AS attempt FROM payments p) a
        WHERE attempt = 1)
      SELECT
        (SELECT avg(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) FROM first_attempt WHERE fraud_label IS NULL) AS first_fail,
        (SELECT count(DISTINCT payment_id) FROM refunds)::DOUBLE PRECISION / (SELECT count(*) FROM payments WHERE status = 'captured') AS refund_rate,
        (SELECT avg(CASE WHEN fraud_label IS NOT NULL THEN 1 ELSE 0 END) FROM payments) AS fraud_rate,
        (SELECT avg(CASE WHEN method = 'upi' THEN 1 ELSE 0 END) FROM payments) AS upi,
        (SELECT avg(CASE WHEN method = 'card' THEN 1 ELSE 0 END) FROM payments) AS card,
        (SELECT avg(CASE WHEN method = 'netbanking' THEN 1 ELSE 0 END) FROM payments) AS netbanking,
        (SELECT avg(CASE WHEN method = 'wallet' THEN 1 ELSE 0 END) FROM payments) AS wallet`);
    expect(r?.first_fail).toBeGreaterThanOrEqual(0.05);
    expect(r?.first_fail).toBeLessThanOrEqual(0.1);
    expect(r?.refund_rate).toBeGreaterThanOrEqual(0.01);
    expect(r?.refund_rate).toBeLessThanOrEqual(0.02);
    expect(r?.fraud_rate).toBeGreaterThanOrEqual(0.002);
    expect(r?.fraud_rate).toBeLessThanOrEqual(0.005);
    expect(r?.upi).toBeGreaterThan(0.5);
    expect(r?.card).toBeGreaterThan(0.18);
    expect(r?.netbanking).toBeGreaterThan(0.05);
    expect(r?.wallet).toBeGreaterThan(0.02);
    const labels = await db.all<{ fraud_label: string }>(
      'SELECT DISTINCT fraud_label FROM payments WHERE fraud_label IS NOT NULL',
    );
    expect(labels.length).toBeGreaterThanOrEqual(3);
    const reasons = await db.all<{ error_reason: string }>(
      "SELECT DISTINCT error_reason FROM payments WHERE status = 'failed'",
    );
    expect(reasons.map((x) => x.error_reason)).toEqual(
      expect.arrayContaining(['card_declined', 'insufficient_funds', 'payment_timed_out']),
    );
  });

  it('when fraud is generated → card testing, account takeover and mule rings, each in its own shape', async () => {
    const kinds = await db.all<{ fraud_label: string; n: number }>(
      'SELECT fraud_label, count(*)::BIGINT AS n FROM payments WHERE fraud_label IS NOT NULL GROUP BY 1 ORDER BY 1',
    );
    expect(kinds.map((k) => k.fraud_label)).toEqual(['account_takeover', 'card_testing', 'mule']);
    // Card testing: at least four tiny attempts on one card and device within ten minutes.
    const bursts = await db.all<{ n: number; max_amount: number; minutes: number }>(`
      SELECT count(*)::BIGINT AS n, max(amount_minor)::BIGINT AS max_amount,
             extract(epoch FROM max(created_at) - min(created_at)) / 60 AS minutes
      FROM payments WHERE fraud_label = 'card_testing' GROUP BY device_id, payment_method_id`);
    for (const b of bursts) {
      expect(b.n).toBeGreaterThanOrEqual(4);
      expect(b.max_amount).toBeLessThanOrEqual(2_000);
      expect(b.minutes).toBeLessThan(10);
    }
    // Account takeover: a known parent's account, on a device and IP the parent never used before (at any hour).
    const takeovers = await db.all<{ known: boolean; seen_device: boolean; seen_ip: boolean }>(`
      SELECT EXISTS (SELECT 1 FROM payments q WHERE q.customer_id = p.customer_id AND q.created_at < p.created_at
                     AND q.fraud_label IS NULL) AS known,
             EXISTS (SELECT 1 FROM payments q WHERE q.customer_id = p.customer_id AND q.fraud_label IS NULL
                     AND q.device_id = p.device_id) AS seen_device,
             EXISTS (SELECT 1 FROM payments q WHERE q.customer_id = p.customer_id AND q.fraud_label IS NULL
                     AND q.ip = p.ip) AS seen_ip
      FROM payments p WHERE p.fraud_label = 'account_takeover'`);
    for (const t of takeovers) expect(t).toMatchObject({ seen_device: false, seen_ip: false });
    expect(takeovers.filter((t) => t.known).length).toBeGreaterThan(takeovers.length / 2);
    // A mule ring: one device paying from at least three parents' accounts within an hour.
    const rings = await db.all<{ customers: number; minutes: number }>(`
      SELECT count(DISTINCT customer_id)::BIGINT AS customers,
             extract(epoch FROM max(created_at) - min(created_at)) / 60 AS minutes
      FROM payments WHERE fraud_label = 'mule' GROUP BY device_id`);
    for (const r of rings) {
      expect(r.customers).toBeGreaterThanOrEqual(3);
      expect(r.minutes).toBeLessThanOrEqual(90);
    }
  });

  it('when the fraud features of a labelled payment are read → every fraud shows on a device, card or velocity', async () => {
    const set = await offlineFraudFeatures({ db });
    let frauds = 0;
    for (let i = 0; i < set.labels.length; i++) {
      if (set.labels[i] !== 1) continue;
      frauds++;
      const v = set.rows[i] as Float64Array;
      const visible = v[F.newDevice] === 1 || v[F.newMethod] === 1 || (v[F.velocity(2, 0)] as number) >= 1;
      expect(visible, set.ids[i]).toBe(true);
    }
    expect(frauds).toBeGreaterThan(20);
  });

  it('when the fraud patterns change → the ordinary rows stay the same: fraud draws from its own stream and ids', () => {
    const ordinary = (seed: number) => {
      const hash = createHash('sha256');
      for (const batch of generateDemoData({ seed, payments: 3000, months: 12, end: END, batchSize: 1000 }))
        hash.update(JSON.stringify(batch.payments.filter((p) => p.fraudLabel === null).map((p) => p.id)));
      return hash.digest('hex');
    };
    const ids = [...generateDemoData({ seed: 11, payments: 3000, months: 12, end: END, batchSize: 5000 })].flatMap(
      (b) => b.payments,
    );
    const fraudIds = ids.filter((p) => p.fraudLabel !== null).map((p) => p.id);
    expect(fraudIds.length).toBeGreaterThan(0);
    // Ordinary ids are consecutive from 0: no fraud row took a number among them.
    const ordinaryNumbers = ids.filter((p) => p.fraudLabel === null).map((p) => Number.parseInt(p.id.slice(-8), 36));
    expect(ordinaryNumbers).toEqual(ordinaryNumbers.map((_, i) => i));
    expect(ordinary(11)).toBe(ordinary(11));
  });

  it('when parents pay → mostly from their usual IP, about one purchase in four from a mobile network address', async () => {
    const r = await db.one<{ usual: number }>(`
      WITH usual AS (SELECT customer_id, mode() WITHIN GROUP (ORDER BY ip) AS ip FROM payments
                     WHERE fraud_label IS NULL GROUP BY customer_id)
      SELECT avg(CASE WHEN p.ip = u.ip THEN 1 ELSE 0 END)::DOUBLE PRECISION AS usual
      FROM payments p JOIN usual u USING (customer_id) WHERE p.fraud_label IS NULL`);
    expect(r?.usual).toBeGreaterThan(0.65);
    expect(r?.usual).toBeLessThan(0.85);
  });

  it('when ordinary payments are counted by IST hour → every hour has some, the night few, the evening most', async () => {
    const rows = await db.all<{ hour: number; n: number }>(`
      SELECT extract(hour FROM created_at AT TIME ZONE 'Asia/Kolkata')::INTEGER AS hour, count(*)::BIGINT AS n
      FROM payments WHERE fraud_label IS NULL GROUP BY 1 ORDER BY 1`);
    const total = rows.reduce((s, r) => s + r.n, 0);
    const share = (from: number, to: number) =>
      rows.filter((r) => r.hour >= from && r.hour <= to).reduce((s, r) => s + r.n, 0) / total;
    expect(rows.map((r) => r.hour)).toEqual(Array.from({ length: 24 }, (_, h) => h));
    expect(share(0, 5)).toBeGreaterThan(0.01); // small but real at night (HOURLY_PROFILE: about 2 %)
    expect(share(0, 5)).toBeLessThan(0.04);
    expect(share(18, 22)).toBeGreaterThan(0.35); // parents pay after dinner
  });

  it('when revenue is compared by day → school days earn far more than Sundays and holidays', async () => {
    expect(dayWeight(Date.UTC(2026, 6, 15))).toBe(1); // a Wednesday in July
    expect(dayWeight(Date.UTC(2026, 4, 13))).toBeLessThan(0.2); // summer vacation
    expect(dayWeight(Date.UTC(2026, 7, 15))).toBeLessThan(0.2); // Independence Day
    const rows = await db.all<{ kind: string; per_day: number }>(`
      WITH daily AS (
        SELECT CAST(created_at AT TIME ZONE 'Asia/Kolkata' AS DATE) AS d, sum(amount_minor) AS revenue
        FROM payments WHERE status = 'captured' AND extract(day FROM created_at AT TIME ZONE 'Asia/Kolkata') > 3 GROUP BY 1)
      SELECT CASE WHEN extract(dow FROM d) = 0 THEN 'sunday' WHEN extract(month FROM d) = 5 THEN 'vacation' WHEN extract(dow FROM d) BETWEEN 1 AND 5 THEN 'weekday' ELSE 'other' END AS kind,
             avg(revenue) AS per_day
      FROM daily GROUP BY 1`);
    const perDay = Object.fromEntries(rows.map((r) => [r.kind, r.per_day]));
    expect(perDay['weekday']).toBeGreaterThan(3 * (perDay['sunday'] ?? 0));
    expect(perDay['weekday']).toBeGreaterThan(3 * (perDay['vacation'] ?? 0));
  });

  it('when the ledger is summed → every entry balances and the total is zero', async () => {
    const total = await db.one<{ total: number; lines: number }>(
      'SELECT sum(amount_minor)::BIGINT AS total, count(*)::BIGINT AS lines FROM journal_lines',
    );
    expect(total?.total).toBe(0);
    expect(total?.lines).toBeGreaterThan(100_000);
    const unbalanced = await db.all(
      'SELECT entry_id FROM journal_lines GROUP BY entry_id HAVING sum(amount_minor) <> 0',
    );
    expect(unbalanced).toEqual([]);
    const captured = await db.one<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM payments p
      WHERE status = 'captured' AND NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.kind = 'capture' AND e.ref_id = p.id)`);
    expect(captured?.n).toBe(0);
    const refunded = await db.one<{ bad: number }>(
      `SELECT count(*)::BIGINT AS bad FROM payments WHERE refunded_minor > captured_minor`,
    );
    expect(refunded?.bad).toBe(0);
  });

  it('when every text column is scanned → no card number is stored anywhere', async () => {
    const columns = await db.all<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE data_type IN ('character varying', 'text') AND table_schema = current_schema()`,
    );
    for (const c of columns) {
      const values = await db.all<{ v: string }>(
        `SELECT DISTINCT "${c.column_name}" AS v FROM "${c.table_name}" WHERE "${c.column_name}" ~ '\\d{13}'`,
      );
      for (const { v } of values) expect(containsPan(v), `${c.table_name}.${c.column_name}: ${v}`).toBe(false);
    }
  });
});
