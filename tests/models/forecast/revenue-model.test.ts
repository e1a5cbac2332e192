import { describe, expect, it } from 'vitest';
import { normalSampler } from '../../../models/forecast/ets.js';
import {
  type DailyRevenue,
  estimateCalendarFactors,
  forecastRevenue,
  forecastRevenueViews,
  quarterAfter,
} from '../../../models/forecast/revenue-model.js';
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

/** A flat school-meal series with independent log-normal daily noise of a known σ (what a 95 % band should cover). */
function simulated(from: string, to: string, sigma: number, seed: number): DailyRevenue[] {
  const normal = normalSampler(seed);
  const out: DailyRevenue[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    const base = 1_000_000 * ((WEIGHT[dayClass(d)] ?? 1) + (isMonthStart(d) ? 4 : 0));
    out.push({ date: d, amountMinor: Math.round(base * Math.exp(sigma * normal() - sigma ** 2 / 2)) });
  }
  return out;
}

const sum = (v: readonly number[]) => v.reduce((a, b) => a + b, 0);

describe('revenue forecast', () => {
  const days = synthetic('2025-01-06', '2026-10-31');
  // one fit and one backtest, viewed by day, week and month (what the nightly refresh stores)
  const views = forecastRevenueViews(days);

  it.each(['day', 'week', 'month'] as const)(
    'when forecasting by %s → horizon points with ordered bands where shown, and a held-out quarterly error within ±5 percent',
    (granularity) => {
      const f = views[granularity];
      expect(f.points).toHaveLength({ day: 122, week: 26, month: 12 }[granularity]);
      expect(['ets', 'damped', 'theta', 'combination']).toContain(f.method);
      // bands only where the backtest's own out-of-sample checks do not refute them
      expect(f.bands.checks).toBeGreaterThanOrEqual(8);
      expect(f.bands.shown).toBe(f.bands.coverage95! >= 0.8);
      if (!f.bands.shown) expect(f.bands.reason).toMatch(/^No band: in the backtest the 95 % band covered only/);
      for (const p of f.points.slice(0, f.bands.buckets_with_band)) {
        expect(p.lower95_minor!).toBeLessThanOrEqual(p.lower80_minor!);
        expect(p.lower80_minor!).toBeLessThanOrEqual(p.point_minor);
        expect(p.point_minor).toBeLessThanOrEqual(p.upper80_minor!);
        expect(p.upper80_minor!).toBeLessThanOrEqual(p.upper95_minor!);
        expect(Number.isSafeInteger(p.point_minor)).toBe(true);
      }
      expect(f.backtest.quarter_ape!).toBeLessThan(5);
      expect(f.target.met).toBe(true);
    },
  );

  it('when backtesting → at least 8 rolling origins; the error reported is that of held-out origins whose method was chosen on quarters closed before them', () => {
    const { backtest: b, target } = views.week;
    expect(b.origins).toBeGreaterThanOrEqual(8);
    expect(b.held_out.length).toBeGreaterThanOrEqual(4);
    // the first origin's own quarter had to close before any origin can be held out
    const firstQuarterEnd = quarterAfter(addDays(b.first_origin!, -1)).to;
    for (const h of b.held_out) {
      expect(h.origin > firstQuarterEnd).toBe(true);
      expect(h.quarter_from).toBe(quarterAfter(addDays(h.origin, -1)).from);
      expect(h.ape).toBeCloseTo((100 * Math.abs(h.actual_minor - h.forecast_minor)) / h.actual_minor, 1);
    }
    expect(b.quarter_ape!).toBeCloseTo(sum(b.held_out.map((h) => h.ape)) / b.held_out.length, 1);
    expect(target).toMatchObject({ ape_limit: 5, met: true });
    expect(target.statement).toMatch(/^Met: .* over \d+ held-out origins/);
  });

  it('when viewed by day, week and month → the next quarter sums to the same total, to the paisa', () => {
    const q = views.month.quarter;
    expect([q.from, q.to]).toEqual(['2026-11-01', '2027-01-31']);
    expect(views.day.quarter).toEqual(q);
    expect(views.week.quarter).toEqual(q);
    const inQuarter = (p: { period: string }) => p.period >= q.from && p.period <= q.to;
    const byDay = sum(views.day.points.filter(inQuarter).map((p) => p.point_minor));
    const byMonth = sum(views.month.points.filter(inQuarter).map((p) => p.point_minor));
    expect(views.month.points.filter(inQuarter)).toHaveLength(3);
    expect(byDay).toBe(q.point_minor);
    expect(byMonth).toBe(q.point_minor);
    expect(sum(q.by_week.map((w) => w.point_minor))).toBe(q.point_minor);
    // whole weeks inside the quarter are the week view's own points; the clipped edge weeks are its days
    const weekPoints = new Map(views.week.points.map((p) => [p.period, p.point_minor]));
    const dayPoints = new Map(views.day.points.map((p) => [p.period, p.point_minor]));
    for (const w of q.by_week) {
      const days = Array.from({ length: 7 }, (_, k) => addDays(w.from, k)).filter((d) => d <= w.to);
      expect(w.point_minor).toBe(sum(days.map((d) => dayPoints.get(d)!)));
      if (days.length === 7) expect(w.point_minor).toBe(weekPoints.get(w.from));
    }
  });

  it('when the noise is known (log-normal, σ = 0.1 a day) → the 95 % daily band covers about 95 % of held-out days', () => {
    const f = forecastRevenue(simulated('2025-06-02', '2026-10-31', 0.1, 2), { granularity: 'day', horizon: 30 });
    expect(f.bands.shown).toBe(true);
    expect(f.bands.checks).toBeGreaterThan(200);
    expect(f.bands.coverage95!).toBeGreaterThan(0.9);
    expect(f.bands.coverage95!).toBeLessThanOrEqual(1);
    expect(f.bands.coverage80!).toBeGreaterThan(0.7);
    expect(f.bands.coverage80!).toBeLessThan(0.93);
  });

  it('when a series has too few origins to check a band → no band, and the answer says why', () => {
    const f = forecastRevenue(synthetic('2026-05-04', '2026-10-31'), { granularity: 'week', horizon: 6 });
    expect(f.method).not.toBe('mean');
    expect(f.bands.shown).toBe(false);
    expect(f.bands.reason).toMatch(/^No band: \d+ backtest origins give \d+ out-of-sample checks/);
    expect(f.points.every((p) => p.lower95_minor === null && p.upper95_minor === null)).toBe(true);
    expect(f.quarter.lower95_minor).toBeNull();
    expect(f.target.met).toBe(false);
    expect(f.target.statement).toMatch(/^Not established/);
  });

  it('when forecasting days → the periods are the consecutive days after as_of, closed days low', () => {
    const f = forecastRevenue(days, { granularity: 'day', horizon: 10 });
    expect(f.as_of).toBe('2026-10-31');
    expect(f.points.map((p) => p.period)).toEqual(Array.from({ length: 10 }, (_, k) => addDays('2026-10-31', k + 1)));
    const sunday = f.points.find((p) => p.period === '2026-11-08'); // Diwali week and a Sunday
    const thursday = f.points.find((p) => p.period === '2026-11-05');
    expect(sunday!.point_minor).toBeLessThan(thursday!.point_minor / 5);
  });

  it('when a segment has only a few weeks of history → the mean per school day, no backtest, no band', () => {
    const f = forecastRevenue(synthetic('2026-10-05', '2026-10-31'), { granularity: 'week', horizon: 4 });
    expect(f.method).toBe('mean');
    expect(f.backtest.origins).toBe(0);
    expect(f.points).toHaveLength(4);
    expect(f.bands).toMatchObject({ shown: false, coverage95: null });
    expect(f.points[0]!.upper95_minor).toBeNull();
  });

  it('when a segment has no revenue at all → zero points after as_of, not an error', () => {
    const f = forecastRevenue([], { granularity: 'day', horizon: 5, asOf: '2026-10-31' });
    expect(f.points.map((p) => [p.period, p.point_minor])).toEqual(
      Array.from({ length: 5 }, (_, k) => [addDays('2026-10-31', k + 1), 0]),
    );
    expect(forecastRevenue([], { granularity: 'month', horizon: 2, asOf: '2026-10-31' }).points).toHaveLength(2);
  });
});
