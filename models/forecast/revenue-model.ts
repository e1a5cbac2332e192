// The revenue forecast: daily net revenue is divided by a calendar exposure (how much revenue a day of its
// class brings relative to an ordinary school weekday, and the subscription renewals of a month's first
// days), summed to the requested granularity, and the exposure-adjusted series (revenue per school-day
// equivalent) is forecast by ETS, Theta or their combination, whichever wins a rolling-origin backtest.
// Forecasts and intervals are multiplied back by the future buckets' exposure. Weekly seasonality and
// school terms / holidays live in the exposure; yearly seasonality beyond the school calendar is left to
// monthly ETS once two years of history exist (seasonal candidates need n ≥ 2m).
import type { Forecast } from './ets.js';
import { forecastAll, type MethodName } from './methods.js';
import { coverage, finiteMean, maseScale } from './metrics.js';
import {
  addDays,
  DAY_CLASSES,
  type DayClass,
  dayClass,
  isMonthStart,
  monthStart,
  weekStart,
} from './school-calendar.js';

export type Granularity = 'day' | 'week' | 'month';
export const GRANULARITIES: readonly Granularity[] = ['day', 'week', 'month'];

/** Net revenue of one IST day, in paise. */
export interface DailyRevenue {
  readonly date: string;
  readonly amountMinor: number;
}

export interface CalendarFactors {
  /** Revenue of a day of this class relative to the mean ordinary weekday (Mon–Fri open ≈ 1). */
  readonly classes: Record<DayClass, number>;
  /**
   * Extra revenue on each of a month's first three days (subscription renewals), in ordinary weekdays:
   * added to the day's class factor, since renewals are paid on closed days too.
   */
  readonly monthStart: number;
}

/** The longest horizon served per granularity (about a school term / half a year). */
export const MAX_HORIZON: Record<Granularity, number> = { day: 120, week: 26, month: 12 };
/** One quarter in buckets: the backtest horizon and the product's quarterly-revenue target. */
export const QUARTER: Record<Granularity, number> = { day: 91, week: 13, month: 3 };
const SEASON: Record<Granularity, number> = { day: 1, week: 1, month: 12 };

export interface RevenuePoint {
  /** First IST day of the bucket. */
  readonly period: string;
  readonly point_minor: number;
  readonly lower80_minor: number;
  readonly upper80_minor: number;
  readonly lower95_minor: number;
  readonly upper95_minor: number;
}

export interface RevenueBacktest {
  readonly origins: number;
  readonly horizon: number;
  readonly smape: number | null;
  readonly mase: number | null;
  readonly mape: number | null;
  readonly coverage80: number | null;
  readonly coverage95: number | null;
  /** Mean absolute percentage error of the next quarter's total revenue over the origins. */
  readonly quarter_ape: number | null;
  /** sMAPE of every method tried (the lowest is used). */
  readonly by_method: Partial<Record<MethodName, number | null>>;
}

export interface RevenueForecast {
  readonly granularity: Granularity;
  readonly horizon: number;
  /** Last IST day of data used. */
  readonly as_of: string;
  readonly method: MethodName | 'mean';
  readonly model: string;
  readonly points: RevenuePoint[];
  readonly backtest: RevenueBacktest;
  readonly calendar: CalendarFactors;
  readonly history_buckets: number;
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return Number.NaN;
  return n % 2 === 1 ? (s[(n - 1) / 2] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
};

/**
 * Ratio-to-local-level estimates of the calendar factors: each day's revenue over the mean of the open,
 * ordinary (not month-start) weekdays within ±14 days, the median per class; then the month-start bump the
 * same way (the median excess over the class factor) over the first days of months.
 */
export function estimateCalendarFactors(days: readonly DailyRevenue[]): CalendarFactors {
  const n = days.length;
  const cls = days.map((d) => dayClass(d.date));
  const ms = days.map((d) => isMonthStart(d.date));
  const base = days.map((d, i) => {
    const c = cls[i] as DayClass;
    return c !== 'closed' && c !== 'sat' && c !== 'sun' && !ms[i] ? d.amountMinor : null;
  });
  // prefix sums of the ordinary weekdays for the ±14-day local level
  const sum = new Float64Array(n + 1);
  const cnt = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const b = base[i];
    sum[i + 1] = (sum[i] as number) + (b ?? 0);
    cnt[i + 1] = (cnt[i] as number) + (b === null || b === undefined ? 0 : 1);
  }
  const local = (i: number): number | null => {
    const lo = Math.max(0, i - 14);
    const hi = Math.min(n, i + 15);
    const c = (cnt[hi] as number) - (cnt[lo] as number);
    if (c < 3) return null;
    const m = ((sum[hi] as number) - (sum[lo] as number)) / c;
    return m > 0 ? m : null;
  };
  const ratios = new Map<DayClass, number[]>(DAY_CLASSES.map((c) => [c, []]));
  const startRatios: number[] = [];
  days.forEach((d, i) => {
    const l = local(i);
    if (l === null || ms[i]) return;
    ratios.get(cls[i] as DayClass)?.push(d.amountMinor / l);
  });
  const classes = {} as Record<DayClass, number>;
  for (const c of DAY_CLASSES) {
    const r = ratios.get(c) ?? [];
    classes[c] = r.length >= 3 ? Math.max(0.01, median(r)) : c === 'closed' || c === 'sun' ? 0.1 : 1;
  }
  days.forEach((d, i) => {
    const l = local(i);
    if (l === null || !ms[i]) return;
    startRatios.push(d.amountMinor / l - classes[cls[i] as DayClass]);
  });
  const monthStartFactor = startRatios.length >= 3 ? Math.max(0, median(startRatios)) : 0;
  return { classes, monthStart: monthStartFactor };
}

export const dayExposure = (date: string, f: CalendarFactors): number =>
  f.classes[dayClass(date)] + (isMonthStart(date) ? f.monthStart : 0);

const bucketOf = (date: string, g: Granularity): string =>
  g === 'day' ? date : g === 'week' ? weekStart(date) : monthStart(date);

function nextBucket(start: string, g: Granularity): string {
  if (g === 'day') return addDays(start, 1);
  if (g === 'week') return addDays(start, 7);
  const y = Number(start.slice(0, 4));
  const m = Number(start.slice(5, 7));
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

interface Bucket {
  readonly period: string;
  readonly revenue: number;
  readonly exposure: number;
}

/** Complete buckets of the daily series (a partial first or last week / month is left out). */
export function toBuckets(days: readonly DailyRevenue[], g: Granularity, f: CalendarFactors): Bucket[] {
  const out: Bucket[] = [];
  let i = 0;
  const n = days.length;
  while (i < n) {
    const period = bucketOf((days[i] as DailyRevenue).date, g);
    const end = nextBucket(period, g);
    let revenue = 0;
    let exposure = 0;
    let count = 0;
    while (i < n && (days[i] as DailyRevenue).date < end) {
      revenue += (days[i] as DailyRevenue).amountMinor;
      exposure += dayExposure((days[i] as DailyRevenue).date, f);
      count++;
      i++;
    }
    const expected = Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${period}T00:00:00Z`)) / 86_400_000);
    if (count === expected) out.push({ period, revenue, exposure });
  }
  return out;
}

/** The next `horizon` buckets after `lastPeriod`, with their exposure. */
function futureBuckets(lastPeriod: string, g: Granularity, horizon: number, f: CalendarFactors): Bucket[] {
  const out: Bucket[] = [];
  let period = lastPeriod;
  for (let k = 0; k < horizon; k++) {
    period = nextBucket(period, g);
    const end = nextBucket(period, g);
    let exposure = 0;
    for (let d = period; d < end; d = addDays(d, 1)) exposure += dayExposure(d, f);
    out.push({ period, revenue: Number.NaN, exposure });
  }
  return out;
}

const METHODS: readonly MethodName[] = ['ets', 'damped', 'theta', 'combination'];
const Z80 = 1.2815515655446004;
const Z95 = 1.959963984540054;

/** Daily revenue is modelled on weekly buckets and spread over the days by their exposure. */
const MODEL_GRANULARITY: Record<Granularity, Granularity> = { day: 'week', week: 'week', month: 'month' };

function scaleForecast(f: Forecast, exposure: readonly number[]): Forecast {
  const mul = (v: readonly number[]) => v.map((x, i) => x * (exposure[i] as number));
  return {
    mean: mul(f.mean),
    lower: { '80': mul(f.lower['80']), '95': mul(f.lower['95']) },
    upper: { '80': mul(f.upper['80']), '95': mul(f.upper['95']) },
  };
}

/**
 * Spreads a weekly forecast of revenue per exposure unit over days: point = z_week · e_day; the interval is
 * log-normal with variance σ_week² (from the weekly 95 % band) + σ_day² (the in-sample spread of a day
 * around its week's level).
 */
function spreadOverDays(
  zWeeks: Forecast,
  weekPeriods: readonly string[],
  dates: readonly string[],
  calendar: CalendarFactors,
  sigmaDay: number,
): Forecast {
  const index = new Map(weekPeriods.map((p, i) => [p, i]));
  const mean: number[] = [];
  const lower = { '80': [] as number[], '95': [] as number[] };
  const upper = { '80': [] as number[], '95': [] as number[] };
  for (const d of dates) {
    const w = index.get(weekStart(d)) ?? weekPeriods.length - 1;
    const z = zWeeks.mean[w] as number;
    const hi = zWeeks.upper['95'][w] as number;
    const sigmaWeek = z > 0 && Number.isFinite(hi) ? Math.log(Math.max(hi, z) / z) / Z95 : 0;
    const sigma = Math.sqrt(sigmaWeek ** 2 + sigmaDay ** 2);
    const p = Math.max(0, z) * dayExposure(d, calendar);
    mean.push(p);
    lower['80'].push(p * Math.exp(-Z80 * sigma));
    upper['80'].push(p * Math.exp(Z80 * sigma));
    lower['95'].push(p * Math.exp(-Z95 * sigma));
    upper['95'].push(p * Math.exp(Z95 * sigma));
  }
  return { mean, lower, upper };
}

/** Standard deviation of log(y_day / (z_week · e_day)) over the days with revenue in complete weeks. */
function dailySpread(days: readonly DailyRevenue[], weeks: readonly Bucket[], calendar: CalendarFactors): number {
  const z = new Map(weeks.map((b) => [b.period, b.revenue / b.exposure]));
  const logs: number[] = [];
  for (const d of days) {
    const zw = z.get(weekStart(d.date));
    const e = dayExposure(d.date, calendar);
    if (zw === undefined || !(zw > 0) || !(d.amountMinor > 0) || !(e > 0)) continue;
    logs.push(Math.log(d.amountMinor / (zw * e)));
  }
  if (logs.length < 2) return 0;
  const m = logs.reduce((a, b) => a + b, 0) / logs.length;
  return Math.sqrt(logs.reduce((a, b) => a + (b - m) ** 2, 0) / (logs.length - 1));
}

/** All methods' forecasts of revenue per exposure unit, `h` model buckets ahead. */
const forecastZ = (buckets: readonly Bucket[], g: Granularity, h: number, seed: number) =>
  forecastAll(
    buckets.map((b) => b.revenue / b.exposure),
    SEASON[g],
    h,
    METHODS,
    { seed, paths: 500 },
  );

export interface RevenueForecastOptions {
  readonly granularity: Granularity;
  readonly horizon: number;
  readonly seed?: number;
  /** Rolling origins of the backtest (default 4). */
  readonly origins?: number;
  /** The last day of data (default: the history's last day; required for an empty history). */
  readonly asOf?: string;
}

interface Accumulator {
  smape: number[];
  ape: number[];
  ase: number[];
  in80: number[];
  in95: number[];
  qape: number[];
}

/**
 * Rolling-origin backtest: at each of the last `origins` origins (half a quarter apart) every method is refitted
 * on the history before it and forecasts the next quarter; sMAPE / MAPE / MASE average over origins and
 * horizons at the requested granularity, coverage is the share of actuals inside the bands, and quarter_ape
 * compares the quarter's total.
 */
function backtest(
  days: readonly DailyRevenue[],
  buckets: readonly Bucket[],
  g: Granularity,
  calendar: CalendarFactors,
  origins: number,
  seed: number,
) {
  const mg = MODEL_GRANULARITY[g];
  const n = buckets.length;
  const h = Math.min(QUARTER[mg], Math.floor(n / 3));
  const minTrain = Math.max(8, n - h >= 2 * SEASON[mg] + 4 ? 2 * SEASON[mg] : 8);
  const step = Math.max(1, Math.floor(h / 2));
  const starts: number[] = [];
  for (let k = 0; k < origins; k++) {
    const o = n - h - k * step;
    if (o >= minTrain) starts.push(o);
  }
  const byMethod = new Map<MethodName, Accumulator>(
    METHODS.map((m) => [m, { smape: [], ape: [], ase: [], in80: [], in95: [], qape: [] }]),
  );
  const amountByDate = new Map(days.map((d) => [d.date, d.amountMinor]));
  for (const o of starts) {
    const train = buckets.slice(0, o);
    const test = buckets.slice(o, o + h);
    const trainEnd = (test[0] as Bucket).period;
    const testEnd = nextBucket((test[test.length - 1] as Bucket).period, mg);
    const trainDays = days.filter((d) => d.date < trainEnd);
    const testDates = days.filter((d) => d.date >= trainEnd && d.date < testEnd).map((d) => d.date);
    const sigmaDay = g === 'day' ? dailySpread(trainDays, train, calendar) : 0;
    const scale =
      g === 'day'
        ? maseScale(
            trainDays.map((d) => d.amountMinor),
            7,
          )
        : maseScale(
            train.map((b) => b.revenue),
            SEASON[mg],
          );
    const actual = g === 'day' ? testDates.map((d) => amountByDate.get(d) ?? 0) : test.map((b) => b.revenue);
    for (const [method, zf] of forecastZ(train, mg, h, seed)) {
      const acc = byMethod.get(method);
      if (acc === undefined) continue;
      const f =
        g === 'day'
          ? spreadOverDays(
              zf,
              test.map((b) => b.period),
              testDates,
              calendar,
              sigmaDay,
            )
          : scaleForecast(
              zf,
              test.map((b) => b.exposure),
            );
      actual.forEach((x, i) => {
        const p = f.mean[i] as number;
        const d = Math.abs(x) + Math.abs(p);
        acc.smape.push(d === 0 ? 0 : (200 * Math.abs(x - p)) / d);
        if (x !== 0) acc.ape.push((100 * Math.abs(x - p)) / Math.abs(x));
        if (scale > 0) acc.ase.push(Math.abs(x - p) / scale);
      });
      acc.in80.push(coverage(actual, f.lower['80'], f.upper['80']));
      acc.in95.push(coverage(actual, f.lower['95'], f.upper['95']));
      const total = actual.reduce((a, b) => a + b, 0);
      const predicted = f.mean.reduce((a, b) => a + b, 0);
      if (total !== 0) acc.qape.push((100 * Math.abs(total - predicted)) / Math.abs(total));
    }
  }
  const nullable = (v: number) => (Number.isFinite(v) ? v : null);
  const summary = new Map(
    [...byMethod].map(([m, a]) => [
      m,
      {
        smape: nullable(finiteMean(a.smape)),
        mape: nullable(finiteMean(a.ape)),
        mase: nullable(finiteMean(a.ase)),
        coverage80: nullable(finiteMean(a.in80)),
        coverage95: nullable(finiteMean(a.in95)),
        quarter_ape: nullable(finiteMean(a.qape)),
      },
    ]),
  );
  return { origins: starts.length, horizon: g === 'day' ? h * 7 : h, summary };
}

const EMPTY_BACKTEST: RevenueBacktest = {
  origins: 0,
  horizon: 0,
  smape: null,
  mase: null,
  mape: null,
  coverage80: null,
  coverage95: null,
  quarter_ape: null,
  by_method: {},
};

/** Forecasts revenue at a granularity from the daily series (consecutive IST days, oldest first). */
export function forecastRevenue(history: readonly DailyRevenue[], options: RevenueForecastOptions): RevenueForecast {
  const { granularity: g, horizon } = options;
  const seed = options.seed ?? 42;
  const mg = MODEL_GRANULARITY[g];
  let days = history;
  // history starts on the first Monday: the first partial week of a ledger is usually a start-up artefact
  const firstMonday = days.findIndex((d) => new Date(`${d.date}T00:00:00Z`).getUTCDay() === 1);
  if (firstMonday > 0) days = days.slice(firstMonday);
  const asOf = options.asOf ?? (days[days.length - 1] as DailyRevenue | undefined)?.date;
  if (asOf === undefined) throw new Error('forecastRevenue: an empty history needs options.asOf');
  const calendar = estimateCalendarFactors(days);
  const buckets = toBuckets(days, mg, calendar);
  // the output buckets: the days after as_of, or the weeks / months after the last complete one
  const lastModelPeriod = buckets.length === 0 ? bucketOf(asOf, mg) : (buckets[buckets.length - 1] as Bucket).period;
  const outDates = g === 'day' ? Array.from({ length: horizon }, (_, k) => addDays(asOf, k + 1)) : [];
  const modelHorizon =
    g === 'day'
      ? Math.max(
          1,
          Math.round(
            (Date.parse(`${weekStart(outDates[outDates.length - 1] as string)}T00:00:00Z`) -
              Date.parse(`${lastModelPeriod}T00:00:00Z`)) /
              (7 * 86_400_000),
          ),
        )
      : horizon;
  const future = futureBuckets(lastModelPeriod, mg, modelHorizon, calendar);
  const periods = g === 'day' ? outDates : future.map((b) => b.period);

  let method: MethodName | 'mean';
  let model: string;
  let forecast: Forecast;
  let backtestResult: RevenueBacktest = EMPTY_BACKTEST;
  if (buckets.length < 8) {
    // too little history for a model: the mean revenue per exposure unit, no band
    const level = buckets.length === 0 ? 0 : finiteMean(buckets.map((b) => b.revenue / b.exposure));
    const z = future.map(() => level);
    const zf: Forecast = { mean: z, lower: { '80': z, '95': z }, upper: { '80': z, '95': z } };
    forecast =
      g === 'day'
        ? spreadOverDays(
            zf,
            future.map((b) => b.period),
            outDates,
            calendar,
            0,
          )
        : scaleForecast(
            zf,
            future.map((b) => b.exposure),
          );
    method = 'mean';
    model = 'mean (short history)';
  } else {
    const bt = backtest(days, buckets, g, calendar, options.origins ?? 4, seed);
    let chosen: MethodName = 'combination';
    let best = Number.POSITIVE_INFINITY;
    for (const m of METHODS) {
      const v = bt.summary.get(m)?.smape;
      if (v !== null && v !== undefined && v < best) {
        best = v;
        chosen = m;
      }
    }
    const zf = forecastZ(buckets, mg, modelHorizon, seed).get(chosen);
    if (zf === undefined) throw new Error(`revenue forecast: method ${chosen} produced nothing`);
    forecast =
      g === 'day'
        ? spreadOverDays(
            zf,
            future.map((b) => b.period),
            outDates,
            calendar,
            dailySpread(days, buckets, calendar),
          )
        : scaleForecast(
            zf,
            future.map((b) => b.exposure),
          );
    method = chosen;
    model = zf.model;
    const s = bt.summary.get(chosen);
    backtestResult = {
      origins: bt.origins,
      horizon: bt.horizon,
      smape: s?.smape ?? null,
      mase: s?.mase ?? null,
      mape: s?.mape ?? null,
      coverage80: s?.coverage80 ?? null,
      coverage95: s?.coverage95 ?? null,
      quarter_ape: s?.quarter_ape ?? null,
      by_method: Object.fromEntries([...bt.summary].map(([m, v]) => [m, v.smape])),
    };
  }
  // revenue bands are clipped at zero; money leaves as whole paise
  const clip = (v: number | undefined) => Math.max(0, Math.round(v ?? 0));
  const points = periods.map((period, i) => ({
    period,
    point_minor: clip(forecast.mean[i]),
    lower80_minor: clip(forecast.lower['80'][i]),
    upper80_minor: clip(forecast.upper['80'][i]),
    lower95_minor: clip(forecast.lower['95'][i]),
    upper95_minor: clip(forecast.upper['95'][i]),
  }));
  return {
    granularity: g,
    horizon,
    as_of: asOf,
    method,
    model: g === 'day' && method !== 'mean' ? `${model} on weekly revenue per school day, spread by calendar` : model,
    points,
    backtest: backtestResult,
    calendar,
    history_buckets: buckets.length,
  };
}
