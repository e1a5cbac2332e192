import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BillingInterval,
  DAY_MS,
  istDate,
  istDaysBetween,
  nthPeriod,
  periodAt,
  periodBoundary,
} from '../../../payments-core/subscriptions/billing-periods.js';

const dates = (anchor: Date, interval: BillingInterval, count: number, n: number) =>
  Array.from({ length: n }, (_, k) => istDate(periodBoundary(anchor, interval, count, k)));

describe('billing periods on Asia/Kolkata days', () => {
  it('when a subscription starts at 00:30 IST → it renews on that IST calendar day, not the UTC day before', () => {
    const anchor = new Date('2026-03-14T19:00:00Z'); // 15 March 00:30 IST; the UTC date is still the 14th
    expect(istDate(anchor)).toBe('2026-03-15');
    const first = nthPeriod(anchor, 'monthly', 1, 0);
    expect(first.start.toISOString()).toBe('2026-03-14T18:30:00.000Z'); // 15 March 00:00 IST
    expect(istDate(first.end)).toBe('2026-04-15');
    expect(first.end.toISOString()).toBe('2026-04-14T18:30:00.000Z');
    expect(dates(anchor, 'monthly', 1, 4)).toEqual(['2026-03-15', '2026-04-15', '2026-05-15', '2026-06-15']);
    expect(dates(anchor, 'weekly', 1, 3)).toEqual(['2026-03-15', '2026-03-22', '2026-03-29']);
  });

  it('when two computations straddle midnight UTC inside one IST period → they give the same single period', () => {
    const anchor = new Date('2026-03-14T19:00:00Z');
    const before = periodAt(anchor, 'monthly', 1, new Date('2026-04-14T23:59:59Z'));
    const after = periodAt(anchor, 'monthly', 1, new Date('2026-04-15T00:00:01Z'));
    expect(after).toEqual(before);
    expect(before.index).toBe(1);
    // The boundary itself is IST midnight (18:30 UTC): one second before is the old period, at it the new one.
    expect(periodAt(anchor, 'monthly', 1, new Date('2026-04-14T18:29:59Z')).index).toBe(0);
    expect(periodAt(anchor, 'monthly', 1, new Date('2026-04-14T18:30:00Z')).index).toBe(1);
  });

  it('when the anchor is the 31st → it renews on the last day of shorter months, then on the 31st again', () => {
    const anchor = new Date('2026-01-30T19:00:00Z'); // 31 January 00:30 IST
    expect(dates(anchor, 'monthly', 1, 6)).toEqual([
      '2026-01-31',
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
      '2026-05-31',
      '2026-06-30',
    ]);
    expect(dates(new Date('2027-11-30T20:00:00Z'), 'quarterly', 1, 2)).toEqual(['2027-12-01', '2028-03-01']);
    expect(dates(new Date('2027-11-29T20:00:00Z'), 'quarterly', 1, 2)).toEqual(['2027-11-30', '2028-02-29']);
    expect(dates(new Date('2028-02-28T20:00:00Z'), 'yearly', 1, 3)).toEqual(['2028-02-29', '2029-02-28', '2030-02-28']);
    expect(istDaysBetween(new Date('2026-11-01T00:00:00Z'), new Date('2026-11-30T18:29:00Z'))).toBe(29);
  });

  it('for any anchor, interval and instant → periods are contiguous IST midnights, never overlap or skip, and hold the instant', () => {
    const interval = fc.constantFrom<BillingInterval>('weekly', 'monthly', 'quarterly', 'yearly');
    const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) });
    fc.assert(
      fc.property(
        instant,
        interval,
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 4000 * DAY_MS }),
        (a, iv, count, offset) => {
          const anchor = new Date(a);
          const at = new Date(a + offset);
          const p = periodAt(anchor, iv, count, at);
          expect(p.start.getTime()).toBeLessThanOrEqual(at.getTime());
          expect(p.end.getTime()).toBeGreaterThan(at.getTime());
          const next = nthPeriod(anchor, iv, count, p.index + 1);
          expect(next.start).toEqual(p.end);
          if (p.index > 0) expect(nthPeriod(anchor, iv, count, p.index - 1).end).toEqual(p.start);
          for (const b of [p.start, p.end]) expect((b.getTime() + 5.5 * 3_600_000) % DAY_MS).toBe(0);
          // Any other instant in the period maps to the same period (no double billing around midnight UTC).
          const mid = new Date(p.start.getTime() + Math.floor((p.end.getTime() - p.start.getTime()) / 2));
          expect(periodAt(anchor, iv, count, mid)).toEqual(p);
          expect(periodAt(anchor, iv, count, new Date(p.end.getTime() - 1)).index).toBe(p.index);
        },
      ),
      { numRuns: 500 },
    );
  });
});
