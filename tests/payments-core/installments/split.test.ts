import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dueDate, equalSplit } from '../../../payments-core/installments/create-plan.js';
import { istDate } from '../../../platform/ist.js';

describe('installment split', () => {
  it('when any total is split into any number of installments → the parts sum exactly to the total and differ by at most one paisa', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000_000_00 }), fc.integer({ min: 1, max: 24 }), (total, n) => {
        const parts = equalSplit(total, n);
        expect(parts).toHaveLength(n);
        expect(parts.reduce((s, p) => s + p, 0)).toBe(total);
        expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
        // The remainder paise go to the first installments, so amounts never increase.
        for (const [i, p] of parts.entries()) expect(p).toBeLessThanOrEqual(parts[i - 1] ?? p);
      }),
      { numRuns: 500 },
    );
  });

  it('when ₹1,000.00 is split in 3 → 33,334 + 33,333 + 33,333 paise', () => {
    expect(equalSplit(100_000, 3)).toEqual([33_334, 33_333, 33_333]);
  });

  it('when monthly dues start on the 31st → each falls on the last day of shorter months', () => {
    const first = new Date('2027-01-31T04:30:00Z');
    expect([0, 1, 2, 3].map((k) => dueDate(first, k, 'month').toISOString())).toEqual([
      '2027-01-31T04:30:00.000Z',
      '2027-02-28T04:30:00.000Z',
      '2027-03-31T04:30:00.000Z',
      '2027-04-30T04:30:00.000Z',
    ]);
    expect(dueDate(first, 2, 'week').toISOString()).toBe('2027-02-14T04:30:00.000Z');
  });

  it('when monthly dues start on 31 Jan 00:30 IST → one falls on each IST month, clamped to its last day', () => {
    // 31 Jan 00:30 IST is still 30 Jan in UTC: counting UTC days gave no February due date and two in March.
    const first = new Date('2027-01-30T19:00:00Z');
    const istDays = [0, 1, 2, 3].map((k) => istDate(dueDate(first, k, 'month')));
    expect(istDays).toEqual(['2027-01-31', '2027-02-28', '2027-03-31', '2027-04-30']);
    expect(dueDate(first, 1, 'month').toISOString()).toBe('2027-02-27T19:00:00.000Z');
    expect(dueDate(new Date('2028-01-30T19:00:00Z'), 1, 'month').toISOString()).toBe('2028-02-28T19:00:00.000Z');
  });
});
