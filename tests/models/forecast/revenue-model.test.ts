import { describe, expect, it } from 'vitest';
import { normalSampler } from '../../../models/forecast/ets.js';
import { type DailyRevenue, estimateCalendarFactors, forecastRevenue } from '../../../models/forecast/revenue-model.js';
import { addDays, dayClass, isMonthStart } from '../../../models/forecast/school-calendar.js';

const WEIGHT: Record<string, number> = { closed: 0.08, sun: 0.1, sat: 0.35 };

/** A school-meal revenue series: a slowly growing level × the calendar, subscription renewals on days 1–3. */
function synthetic(from: string, to: string, seed = 1): DailyRevenue[] {
  const normal = normalSampler(seed);
  const out: DailyRevenue[] = [];
  let k = 0;
  for (let d = from; d <= to; d = addDays(d, 1), k++) {
    const level = 1_000_000 * (1 + k / 2000);
    const w = WEIGHT[dayClass(d)] ?? 1;
    const renewals = isMonthStart(d) ? 4 * level : 0;
    out.push({ date: d, amountMinor: Math.round((level * w + renewals) * (1 + 0.08 * normal())) });
  }
  return out;
}

describe('revenue calendar', () => {
  it('when revenue follows the school calendar → the day-class factors and the renewal bump are recovered', () => {
    const f = estimateCalendarFactors(synthetic('2025-01-06', '2026-10-31'));
    expect(f.classes.sat).toBeCloseTo(0.35, 1);
    expect(f.classes.sun).toBeCloseTo(0.1, 1);
    expect(f.classes.closed).toBeCloseTo(0.08, 1);
    expect(f.classes.wed).toBeCloseTo(1, 1);
    expect(f.monthStart).toBeGreaterThan(3);
    expect(f.monthStart).toBeLessThan(5);
  });
});

describe('revenue forecast', () => {
  const days = synthetic('2025-01-06', '2026-10-31');

  it.each(['day', 'week', 'month'] as const)(
    'when forecasting by %s → horizon points with ordered bands and a quarterly backtest within ±5 percent',
    (granularity) => {
      const horizon = { day: 40, week: 13, month: 3 }[granularity];
      const f = forecastRevenue(days, { granularity, horizon });
      expect(f.points).toHaveLength(horizon);
      expect(['ets', 'theta', 'combination']).toContain(f.method);
      for (const p of f.points) {
        expect(p.lower95_minor).toBeLessThanOrEqual(p.lower80_minor);
        expect(p.lower80_minor).toBeLessThanOrEqual(p.point_minor);
        expect(p.point_minor).toBeLessThanOrEqual(p.upper80_minor);
        expect(p.upper80_minor).toBeLessThanOrEqual(p.upper95_minor);
        expect(Number.isSafeInteger(p.point_minor)).toBe(true);
      }
      expect(f.backtest.origins).toBeGreaterThan(0);
      expect(f.backtest.quarter_ape).not.toBeNull();
      expect(f.backtest.quarter_ape!).toBeLessThan(5);
    },
  );

  it('when forecasting days → the periods are the consecutive days after as_of, closed days low', () => {
    const f = forecastRevenue(days, { granularity: 'day', horizon: 10 });
    expect(f.as_of).toBe('2026-10-31');
    expect(f.points.map((p) => p.period)).toEqual(Array.from({ length: 10 }, (_, k) => addDays('2026-10-31', k + 1)));
    const sunday = f.points.find((p) => p.period === '2026-11-08'); // Diwali week and a Sunday
    const thursday = f.points.find((p) => p.period === '2026-11-05');
    expect(sunday!.point_minor).toBeLessThan(thursday!.point_minor / 5);
  });

  it('when a segment has only a few weeks of history → the mean per school day, no backtest', () => {
    const f = forecastRevenue(synthetic('2026-10-05', '2026-10-31'), { granularity: 'week', horizon: 4 });
    expect(f.method).toBe('mean');
    expect(f.backtest.origins).toBe(0);
    expect(f.points).toHaveLength(4);
  });

  it('when a segment has no revenue at all → zero points after as_of, not an error', () => {
    const f = forecastRevenue([], { granularity: 'day', horizon: 5, asOf: '2026-10-31' });
    expect(f.points.map((p) => [p.period, p.point_minor])).toEqual(
      Array.from({ length: 5 }, (_, k) => [addDays('2026-10-31', k + 1), 0]),
    );
    expect(forecastRevenue([], { granularity: 'month', horizon: 2, asOf: '2026-10-31' }).points).toHaveLength(2);
  });
});
