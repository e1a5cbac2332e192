import { describe, expect, it } from 'vitest';
import { settlementWindow } from '../../payments-core/reconciliation/settlement-window.js';
import { captureDaysSettlingOn, isBankWorkingDay, settlementDayOf } from '../../platform/bank-days.js';

// Razorpay: "T+2 working days … Working days do not include second and fourth Saturdays, Sundays and bank holidays"
// (https://razorpay.com/docs/payments/settlements/faqs).
describe('bank working days and the T+2 settlement cycle (IST calendar)', () => {
  it('when a day is a Sunday, a second or fourth Saturday or a listed holiday → not a working day; other Saturdays are', () => {
    expect(isBankWorkingDay('2026-12-06')).toBe(false); // Sunday
    expect(isBankWorkingDay('2026-12-05')).toBe(true); // first Saturday
    expect(isBankWorkingDay('2026-12-12')).toBe(false); // second Saturday
    expect(isBankWorkingDay('2026-12-19')).toBe(true); // third Saturday
    expect(isBankWorkingDay('2026-12-26')).toBe(false); // fourth Saturday
    expect(isBankWorkingDay('2026-12-25')).toBe(false); // Christmas, a Friday
    expect(isBankWorkingDay('2027-01-26')).toBe(false); // Republic Day
  });

  it('when captured on a given day → settled on the 2nd working day after it; each settlement day holds its capture days', () => {
    expect(settlementDayOf('2026-12-09')).toBe('2026-12-11'); // Wednesday → Friday
    expect(settlementDayOf('2026-12-11')).toBe('2026-12-15'); // Friday → Tuesday, past the second Saturday
    expect(settlementDayOf('2026-12-04')).toBe('2026-12-07'); // Friday → Monday, the first Saturday a working day
    expect(settlementDayOf('2026-12-23')).toBe('2026-12-28'); // Wednesday → Monday, past Christmas and the 4th Saturday
    expect(settlementDayOf('2026-12-11', 0)).toBe('2026-12-11');
    expect(captureDaysSettlingOn('2026-12-15')).toEqual(['2026-12-11', '2026-12-12', '2026-12-13']);
    expect(captureDaysSettlingOn('2026-12-13')).toEqual([]);
    expect(settlementWindow('2026-12-13')).toBeNull();
    expect(settlementWindow('2026-12-15')).toEqual({
      start: new Date('2026-12-11T00:00:00+05:30'),
      end: new Date('2026-12-13T23:59:59.999+05:30'),
    });
  });

  it('when every day of two years is settled → each capture day is in the window of exactly its settlement day', () => {
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2028, 0, 1); t += 86_400_000) {
      const day = new Date(t).toISOString().slice(0, 10);
      const settles = settlementDayOf(day);
      expect(isBankWorkingDay(settles)).toBe(true);
      expect(captureDaysSettlingOn(settles)).toContain(day);
    }
  });
});
