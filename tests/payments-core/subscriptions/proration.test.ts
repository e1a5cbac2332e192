import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { periodShare } from '../../../payments-core/subscriptions/period-charges.js';
import { systemClock } from '../../../platform/clock.js';
import { migrate } from '../../../platform/migrate.js';
import { paise, proportion, roundHalfEven } from '../../../platform/money.js';
import { openTestDb } from '../../support/db.js';

describe('roundHalfEven', () => {
  it('when a quotient is exactly half-way → it goes to the even neighbour, for either sign', () => {
    expect([5n, 15n, 25n, 35n, -5n, -15n, -25n].map((n) => roundHalfEven(n, 10n))).toEqual([
      0n,
      2n,
      2n,
      4n,
      0n,
      -2n,
      -2n,
    ]);
    expect(roundHalfEven(7n, 2n)).toBe(4n);
    expect(roundHalfEven(26n, 10n)).toBe(3n);
    expect(roundHalfEven(-26n, 10n)).toBe(-3n);
    expect(proportion(paise(250), 1, 100, 'half_even')).toBe(2);
    expect(proportion(paise(350), 1, 100, 'half_even')).toBe(4);
  });

  it('for any numerator and denominator → within half a unit of the exact value, ties even, odd-symmetric', () => {
    const big = fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n });
    const den = fc.bigInt({ min: 1n, max: 10n ** 6n });
    fc.assert(
      fc.property(big, den, (n, d) => {
        const r = roundHalfEven(n, d);
        const diff2 = (n - r * d) * 2n; // 2 × (exact − r) × d
        expect(diff2 <= d && diff2 >= -d).toBe(true);
        if (diff2 === d || diff2 === -d) expect(r % 2n).toBe(0n);
        expect(roundHalfEven(-n, d)).toBe(-r);
        expect(roundHalfEven(n, -d)).toBe(-r);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('per-day shares of a period', () => {
  const period = { start: new Date('2026-10-31T18:30:00Z'), end: new Date('2026-11-30T18:30:00Z') }; // 1–30 Nov IST
  const day = (n: number) => new Date(period.start.getTime() + (n - 1) * 86_400_000 + 3_600_000); // n November, 05:30 IST

  it('when ₹3,000/month is split on day 10 of a 30-day period → ₹900 for 1–9 and ₹2,100 for 10–30', () => {
    expect(periodShare(300_000, period.start, day(10), period)).toBe(90_000);
    expect(periodShare(300_000, day(10), period.end, period)).toBe(210_000);
    // Late on the 9th in UTC is already the 10th in IST: the same split.
    expect(periodShare(300_000, new Date('2026-11-09T19:00:00Z'), period.end, period)).toBe(210_000);
    // Outside the period, or backwards: nothing.
    expect(periodShare(300_000, period.end, new Date('2026-12-15T00:00:00Z'), period)).toBe(0);
    expect(periodShare(300_000, day(20), day(10), period)).toBe(0);
  });

  it('when a share lands on half a paisa → rounded half-even once', () => {
    // ₹0.15 × 15/30 = 7.5 → 8 (even); ₹0.45 × 15/30 = 22.5 → 22 (even).
    expect(periodShare(15, day(16), period.end, period)).toBe(8);
    expect(periodShare(45, day(16), period.end, period)).toBe(22);
  });

  it("for any amount and days → SQL prorate_minor (the periods' plan lines) equals the TS share (the segments)", async () => {
    const db = await openTestDb();
    await migrate(db, systemClock);
    try {
      const cases = fc.sample(
        fc.tuple(
          fc.integer({ min: 0, max: 100_000_000 }),
          fc.integer({ min: 1, max: 30 }),
          fc.integer({ min: 1, max: 31 }),
        ),
        { numRuns: 300, seed: 3 },
      );
      const rows = await db.all<{ v: string }>(
        `SELECT prorate_minor(t.a, ist_days(t.f, $end::timestamptz), 30)::text AS v
         FROM unnest($amounts::bigint[], $from_days::timestamptz[]) WITH ORDINALITY AS t(a, f, n) ORDER BY t.n`,
        {
          amounts: cases.map(([a]) => a),
          from_days: cases.map(([, d]) => day(d).toISOString()),
          end: period.end,
        },
      );
      expect(rows.map((r) => Number(r.v))).toEqual(cases.map(([a, d]) => periodShare(a, day(d), period.end, period)));
    } finally {
      await db.close();
    }
  });
});
