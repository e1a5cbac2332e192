import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prorate } from '../../../payments-core/subscriptions/proration.js';
import { paise, proportion, roundHalfEven } from '../../../platform/money.js';

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

describe('per-day proration', () => {
  const period = { start: new Date('2026-10-31T18:30:00Z'), end: new Date('2026-11-30T18:30:00Z') }; // 1–30 Nov IST

  it('when ₹3,000/month becomes ₹4,500/month on day 10 of a 30-day period → −₹2,100 + ₹3,150 = ₹1,050', () => {
    const p = prorate(300_000, 450_000, period, new Date('2026-11-10T04:00:00Z'));
    expect(p).toEqual({ period_days: 30, remaining_days: 21, credit: -210_000, charge: 315_000, net: 105_000 });
    // Late on the 9th in UTC is already the 10th in IST: the same answer.
    expect(prorate(300_000, 450_000, period, new Date('2026-11-09T19:00:00Z')).remaining_days).toBe(21);
  });

  it('when a line lands on half a paisa → each line is rounded half-even once', () => {
    // ₹0.15/month → ₹0.45/month with 15 of 30 days left: 7.5 → 8 (even), 22.5 → 22 (even).
    const p = prorate(15, 45, period, new Date('2026-11-16T04:00:00Z'));
    expect(p).toMatchObject({ remaining_days: 15, credit: -8, charge: 22, net: 14 });
  });

  it('for any amounts and day → net = charge + credit, and a full period prorates to the whole difference', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 29 }),
        (a, b, day) => {
          const p = prorate(a, b, period, new Date(period.start.getTime() + day * 86_400_000 + 3_600_000));
          expect(p.remaining_days).toBe(30 - day);
          expect(p.net).toBe(p.charge + p.credit);
          expect(Math.abs(p.credit * 30 + a * (30 - day))).toBeLessThanOrEqual(15);
          if (day === 0) expect(p.net).toBe(b - a);
        },
      ),
    );
  });
});
