// The revenue forecast. One model, one daily path, three views that agree by construction:
// daily net revenue is divided by a calendar exposure (how much revenue a day of its class brings relative to
// an ordinary school weekday, plus the subscription renewals of a month's first days), summed to complete weeks,
// and that weekly revenue per school-day equivalent is forecast by ETS, damped ETS, Theta or their mean. Each
// future day's forecast is the forecast week's level × the day's exposure, rounded once to whole paise; the
// week and month views and the quarterly total are sums of those daily paise (plus revenue already booked in a
// bucket that began before as_of), so day, week and month views of the same quarter give the same total to the
// paisa. Why weekly: a year of ledger is 52 weekly points but 12 monthly ones (a monthly model has one quarterly
// origin to learn from), the school calendar's yearly pattern is in the exposure, and daily noise is averaged out.
//
// The method is chosen by a rolling-origin backtest (an origin every Monday) on the quarterly total, nested so
// that at each origin the choice uses only origins whose quarter had closed by then; the error reported is that
// of the held-out origins, each forecast with the method the earlier origins chose. Bands are the empirical
// spread of the backtest's errors at the same bucket ahead, shown only where enough origins stand behind them.
import { forecastAll, type MethodName } from './methods.js';
import { finiteMean } from './metrics.js';
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

/**
 * The longest horizon served per granularity (buckets). Days: 122 covers the next quarter from any as_of (up to
 * 30 days left in the month, then three whole months).
 */
export const MAX_HORIZON: Record<Granularity, number> = { day: 122, week: 26, month: 12 };
/** The quarterly revenue target: the held-out quarterly error must stay within ±5 %. */
export const TARGET_APE = 5;
/** Complete weeks a model needs; fewer → the mean revenue per school day, no backtest, no band. */
const MIN_WEEKS = 8;
/** Closed quarters an origin needs before it so that its method choice is out of sample (a held-out origin). */
const MIN_SELECTION = 3;
/** Held-out origins needed before the ±5 % verdict can be "met". */
const MIN_HELD_OUT = 4;
/**
 * Backtest errors needed at a bucket ahead before it gets a band, and out-of-sample coverage checks before bands
 * (and, separately, the quarter's band) are shown.
 */
const MIN_ERRORS = 8;
const MIN_CHECKS = 8;
/** Bands the backtest refutes are not shown: the 95 % band must have covered at least this share when checked. */
const MIN_COVERAGE95 = 0.8;
/** The newest origins backtested (one per Monday). */
const MAX_ORIGINS = 40;
/** Days forecast from each backtest origin: the origin's month's rest plus three whole months. */
const BACKTEST_DAYS = 123;
const METHODS: readonly MethodName[] = ['ets', 'damped', 'theta', 'combination'];
const DEFAULT_METHOD: MethodName = 'combination';

export interface RevenuePoint {
  /** First IST day of the bucket. */
  readonly period: string;
  /** Revenue already in the ledger for this bucket (the days through as_of of a bucket that began before). */
  readonly booked_minor: number;
  /** booked + the forecast of the bucket's remaining days. */
  readonly point_minor: number;
  /** Empirical bands from the backtest's errors at this bucket ahead; null where the backtest cannot support one. */
  readonly lower80_minor: number | null;
  readonly upper80_minor: number | null;
  readonly lower95_minor: number | null;
  readonly upper95_minor: number | null;
}

export interface QuarterForecast {
  /** The next quarter: the three whole calendar months after as_of's month. */
  readonly from: string;
  readonly to: string;
  readonly point_minor: number;
  readonly lower80_minor: number | null;
  readonly upper80_minor: number | null;
  readonly lower95_minor: number | null;
  readonly upper95_minor: number | null;
  /** The same total by month and by (calendar-clipped) week: both sum to point_minor exactly. */
  readonly by_month: { period: string; point_minor: number }[];
  readonly by_week: { from: string; to: string; point_minor: number }[];
}

export interface HeldOutOrigin {
  /** The first day forecast (a Monday); the model saw the ledger through the day before. */
  readonly origin: string;
  /** Chosen on the origins whose quarter closed before this one. */
  readonly method: MethodName;
  readonly quarter_from: string;
  readonly quarter_to: string;
  readonly actual_minor: number;
  readonly forecast_minor: number;
  readonly ape: number;
}

export interface RevenueBacktest {
  /** Origins backtested (one per Monday), the first and the last. */
  readonly origins: number;
  readonly first_origin: string | null;
  readonly last_origin: string | null;
  /** The held-out origins: their method was chosen on earlier origins only, and their error is the one reported. */
  readonly held_out: HeldOutOrigin[];
  /** Mean absolute % error of the next quarter's total over the held-out origins. */
  readonly quarter_ape: number | null;
  readonly quarter_ape_max: number | null;
  /** sMAPE / MAPE per bucket of this granularity over the held-out origins. */
  readonly smape: number | null;
  readonly mape: number | null;
  /** Quarter APE of each method over every closed quarter (what the final choice was made on). */
  readonly by_method: Partial<Record<MethodName, number | null>>;
}

export interface RevenueTarget {
  readonly ape_limit: number;
  /** True when the held-out quarterly error is within ±ape_limit % over enough held-out origins. */
  readonly met: boolean;
  readonly statement: string;
}

export interface RevenueBands {
  readonly shown: boolean;
  readonly reason: string;
  /** Share of held-out actuals inside bands built from the errors known at their origin. */
  readonly coverage80: number | null;
  readonly coverage95: number | null;
  readonly checks: number;
  /** Buckets ahead (from the first) that carry a band. */
  readonly buckets_with_band: number;
  /** The same for the quarterly total's band. */
  readonly quarter_coverage80: number | null;
  readonly quarter_coverage95: number | null;
  readonly quarter_checks: number;
}

export interface RevenueForecast {
  readonly granularity: Granularity;
  readonly horizon: number;
  /** Last IST day of data used. */
  readonly as_of: string;
  readonly method: MethodName | 'mean';
  readonly model: string;
  readonly points: RevenuePoint[];
  readonly quarter: QuarterForecast;
  readonly backtest: RevenueBacktest;
  readonly target: RevenueTarget;
  readonly bands: RevenueBands;
  readonly calendar: CalendarFactors;
  /** Complete weeks of history the model was fitted on. */
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

const DAY_MS = 86_400_000;
const daysBetween = (a: string, b: string): number =>
  Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);

/** The next quarter after as_of: the three whole calendar months after as_of's month. */
export function quarterAfter(asOf: string): { from: string; to: string } {
  const from = nextBucket(monthStart(asOf), 'month');
  const end = nextBucket(nextBucket(nextBucket(from, 'month'), 'month'), 'month');
  return { from, to: addDays(end, -1) };
}

/** Student-t quantiles (two-sided 80 % and 95 %) by degrees of freedom; the normal's beyond 30. */
function tQuantiles(df: number): { t80: number; t95: number } {
  const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131];
  const T80 = [3.078, 1.886, 1.638, 1.533, 1.476, 1.44, 1.415, 1.397, 1.383, 1.372, 1.363, 1.356, 1.35, 1.345, 1.341];
  if (df <= 15) return { t80: T80[df - 1] as number, t95: T95[df - 1] as number };
  if (df <= 30) return { t80: 1.341 - ((df - 15) / 15) * 0.031, t95: 2.131 - ((df - 15) / 15) * 0.089 };
  return { t80: 1.2816, t95: 1.96 };
}

interface Band {
  readonly l80: number;
  readonly u80: number;
  readonly l95: number;
  readonly u95: number;
}

/**
 * Band multipliers from the backtest's actual / forecast ratios at one bucket ahead: a prediction interval on
 * their logs, mean ± t·s·√(1 + 1/n) (Student t, so a handful of errors gives a wide band rather than the
 * too-narrow one their raw quantiles would); null below MIN_ERRORS ratios.
 */
function bandOf(ratios: readonly number[]): Band | null {
  const logs = ratios.filter((r) => r > 0 && Number.isFinite(r)).map(Math.log);
  const n = logs.length;
  if (n < MIN_ERRORS) return null;
  const mean = logs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) * Math.sqrt(1 + 1 / n);
  const { t80, t95 } = tQuantiles(n - 1);
  return {
    l80: Math.exp(mean - t80 * sd),
    u80: Math.exp(mean + t80 * sd),
    l95: Math.exp(mean - t95 * sd),
    u95: Math.exp(mean + t95 * sd),
  };
}

/** The ledger as a dense array of paise from its first day, with prefix sums for range totals. */
class Ledger {
  private readonly prefix: Float64Array;
  constructor(
    readonly first: string,
    readonly amounts: readonly number[],
  ) {
    this.prefix = new Float64Array(amounts.length + 1);
    amounts.forEach((a, i) => {
      this.prefix[i + 1] = (this.prefix[i] as number) + a;
    });
  }
  /** Revenue of the days from..to inclusive (days outside the ledger count 0). */
  sum(from: string, to: string): number {
    const a = Math.max(0, daysBetween(this.first, from));
    const b = Math.min(this.amounts.length - 1, daysBetween(this.first, to));
    return b < a ? 0 : (this.prefix[b + 1] as number) - (this.prefix[a] as number);
  }
  /** The days before `date`. */
  before(date: string): DailyRevenue[] {
    const n = Math.max(0, Math.min(this.amounts.length, daysBetween(this.first, date)));
    return Array.from({ length: n }, (_, i) => ({
      date: addDays(this.first, i),
      amountMinor: this.amounts[i] as number,
    }));
  }
}

/** Daily forecasts in whole paise from `start`, one array per method. */
interface Paths {
  readonly calendar: CalendarFactors;
  readonly weeks: number;
  readonly daily: Map<MethodName, number[]>;
  readonly models: Map<MethodName, string>;
}

/**
 * Fits the weekly model on `train` (the days before `start`) and forecasts `length` days from `start`: the
 * forecast week's revenue per exposure unit × the day's exposure, rounded to paise once per day. With fewer than
 * MIN_WEEKS complete weeks, the mean revenue per exposure unit ('mean').
 */
function dailyPaths(
  train: readonly DailyRevenue[],
  start: string,
  length: number,
  methods: readonly MethodName[],
): Paths {
  const calendar = estimateCalendarFactors(train);
  const weeks = toBuckets(train, 'week', calendar);
  const spread = (level: (week: number) => number, firstWeek: string) =>
    Array.from({ length }, (_, i) => {
      const d = addDays(start, i);
      const w = Math.max(0, daysBetween(firstWeek, weekStart(d)) / 7);
      return Math.max(0, Math.round(Math.max(0, level(w)) * dayExposure(d, calendar)));
    });
  if (weeks.length < MIN_WEEKS) {
    const revenue = train.reduce((a, d) => a + d.amountMinor, 0);
    const exposure = train.reduce((a, d) => a + dayExposure(d.date, calendar), 0);
    const level = exposure > 0 ? revenue / exposure : 0;
    return {
      calendar,
      weeks: weeks.length,
      daily: new Map([['combination', spread(() => level, weekStart(start))]]),
      models: new Map([['combination', 'mean (short history)']]),
    };
  }
  const firstWeek = nextBucket((weeks[weeks.length - 1] as Bucket).period, 'week');
  const h = daysBetween(firstWeek, weekStart(addDays(start, length - 1))) / 7 + 1;
  const z = weeks.map((b) => b.revenue / b.exposure);
  const daily = new Map<MethodName, number[]>();
  const models = new Map<MethodName, string>();
  for (const [m, f] of forecastAll(z, 1, h, methods, { pointsOnly: true })) {
    daily.set(
      m,
      spread((w) => f.mean[w] as number, firstWeek),
    );
    models.set(m, f.model);
  }
  return { calendar, weeks: weeks.length, daily, models };
}

/** One bucket of a backtest origin: revenue booked before the origin, the forecast and the actual of the rest. */
interface BucketError {
  readonly end: string;
  readonly booked: number;
  readonly forecast: number;
  readonly actual: number;
}

interface OriginRun {
  readonly origin: string;
  readonly daily: Map<MethodName, number[]>;
  readonly quarter: { from: string; to: string; closed: boolean; actual: number; forecast: Map<MethodName, number> };
  /** Chosen on the origins whose quarter closed before this origin; `priors` of them. */
  method: MethodName;
  priors: number;
}

const pathSum = (path: readonly number[], start: string, from: string, to: string): number => {
  const a = Math.max(0, daysBetween(start, from));
  const b = Math.min(path.length - 1, daysBetween(start, to));
  let s = 0;
  for (let i = a; i <= b; i++) s += path[i] as number;
  return s;
};

const ape = (actual: number, forecast: number) => (100 * Math.abs(actual - forecast)) / Math.abs(actual);

/** The method with the lowest mean quarter APE over `runs` (the default when none has a closed quarter). */
function chooseMethod(runs: readonly OriginRun[]): { method: MethodName; byMethod: Map<MethodName, number> } {
  const byMethod = new Map<MethodName, number>();
  for (const m of METHODS) {
    const v = finiteMean(
      runs
        .filter((r) => r.quarter.actual !== 0)
        .map((r) => ape(r.quarter.actual, r.quarter.forecast.get(m) ?? Number.NaN)),
    );
    if (Number.isFinite(v)) byMethod.set(m, v);
  }
  let method = DEFAULT_METHOD;
  let best = Number.POSITIVE_INFINITY;
  for (const [m, v] of byMethod) {
    if (v < best) {
      best = v;
      method = m;
    }
  }
  return { method, byMethod };
}

/**
 * The rolling-origin backtest: an origin every Monday (the newest MAX_ORIGINS with MIN_WEEKS of history before
 * them), each forecasting BACKTEST_DAYS days with every method from the ledger before it. At each origin the
 * method is the one with the lowest quarter APE over the origins whose quarter had closed by then; origins with
 * at least MIN_SELECTION such priors and a closed quarter of their own are held out, and only their errors are
 * reported.
 */
function runBacktest(ledger: Ledger, asOf: string): OriginRun[] {
  const earliest = addDays(
    weekStart(ledger.first) === ledger.first ? ledger.first : addDays(weekStart(ledger.first), 7),
    MIN_WEEKS * 7,
  );
  const origins: string[] = [];
  for (let o = weekStart(asOf); o >= earliest && origins.length < MAX_ORIGINS; o = addDays(o, -7)) origins.unshift(o);
  const runs: OriginRun[] = [];
  for (const origin of origins) {
    const paths = dailyPaths(ledger.before(origin), origin, BACKTEST_DAYS, METHODS);
    if (paths.weeks < MIN_WEEKS) continue;
    const q = quarterAfter(addDays(origin, -1));
    const closed = q.to <= asOf;
    const forecast = new Map([...paths.daily].map(([m, p]) => [m, pathSum(p, origin, q.from, q.to)]));
    runs.push({
      origin,
      daily: paths.daily,
      quarter: { ...q, closed, actual: closed ? ledger.sum(q.from, q.to) : 0, forecast },
      method: DEFAULT_METHOD,
      priors: 0,
    });
  }
  for (const run of runs) {
    const priors = runs.filter((r) => r.quarter.closed && r.quarter.to < run.origin);
    run.method = chooseMethod(priors).method;
    run.priors = priors.length;
  }
  return runs;
}

const isHeldOut = (r: OriginRun) => r.priors >= MIN_SELECTION && r.quarter.closed && r.quarter.actual !== 0;

/** The buckets of granularity g from the one holding `start`, as long as `keep` says. */
function bucketsFrom(start: string, g: Granularity, keep: (from: string, to: string, k: number) => boolean) {
  const out: { from: string; to: string }[] = [];
  for (let from = bucketOf(start, g), k = 0; ; from = nextBucket(from, g), k++) {
    const to = addDays(nextBucket(from, g), -1);
    if (!keep(from, to, k)) break;
    out.push({ from, to });
  }
  return out;
}

/** Each origin's bucket errors at granularity g (buckets closed by as_of, inside the backtest window). */
function bucketErrors(runs: readonly OriginRun[], ledger: Ledger, g: Granularity, asOf: string): BucketError[][] {
  return runs.map((r) => {
    const path = r.daily.get(r.method) ?? [];
    return bucketsFrom(r.origin, g, (_, to) => to <= asOf && daysBetween(r.origin, to) < BACKTEST_DAYS).map((b) => ({
      end: b.to,
      booked: ledger.sum(b.from, addDays(r.origin, -1)),
      forecast: pathSum(path, r.origin, b.from < r.origin ? r.origin : b.from, b.to),
      actual: ledger.sum(b.from < r.origin ? r.origin : b.from, b.to),
    }));
  });
}

const ratio = (e: BucketError) => (e.forecast > 0 ? e.actual / e.forecast : Number.NaN);

interface Coverage {
  in80: number;
  in95: number;
  checks: number;
}

/**
 * Honest coverage: for each held-out origin and bucket ahead, the band built only from the errors at that bucket
 * ahead of origins whose bucket had closed before this origin; the share of actuals inside it.
 */
function bandCoverage(runs: readonly OriginRun[], errors: readonly BucketError[][]): Coverage {
  const c: Coverage = { in80: 0, in95: 0, checks: 0 };
  runs.forEach((r, i) => {
    if (!isHeldOut(r)) return;
    (errors[i] ?? []).forEach((e, k) => {
      if (!(e.forecast > 0)) return;
      const prior = errors
        .slice(0, i)
        .map((es) => es[k])
        .filter((x): x is BucketError => x !== undefined && x.end < r.origin)
        .map(ratio)
        .filter(Number.isFinite);
      const band = bandOf(prior);
      if (band === null) return;
      const x = e.actual;
      c.checks++;
      if (x >= e.forecast * band.l80 && x <= e.forecast * band.u80) c.in80++;
      if (x >= e.forecast * band.l95 && x <= e.forecast * band.u95) c.in95++;
    });
  });
  return c;
}

/** The same for the quarterly total: bands from the quarters that had closed before each held-out origin. */
function quarterCoverage(runs: readonly OriginRun[]): Coverage {
  const c: Coverage = { in80: 0, in95: 0, checks: 0 };
  for (const r of runs) {
    if (!isHeldOut(r)) continue;
    const f = r.quarter.forecast.get(r.method) ?? 0;
    const band = bandOf(
      runs
        .filter((p) => p.quarter.closed && p.quarter.to < r.origin)
        .flatMap((p) => {
          const pf = p.quarter.forecast.get(p.method) ?? 0;
          return pf > 0 ? [p.quarter.actual / pf] : [];
        }),
    );
    if (band === null || !(f > 0)) continue;
    c.checks++;
    if (r.quarter.actual >= f * band.l80 && r.quarter.actual <= f * band.u80) c.in80++;
    if (r.quarter.actual >= f * band.l95 && r.quarter.actual <= f * band.u95) c.in95++;
  }
  return c;
}

const EMPTY_BACKTEST: RevenueBacktest = {
  origins: 0,
  first_origin: null,
  last_origin: null,
  held_out: [],
  quarter_ape: null,
  quarter_ape_max: null,
  smape: null,
  mape: null,
  by_method: {},
};

const nullable = (v: number) => (Number.isFinite(v) ? v : null);
const round2 = (v: number) => Math.round(v * 100) / 100;

function targetOf(heldOut: readonly HeldOutOrigin[]): RevenueTarget {
  const n = heldOut.length;
  if (n < MIN_HELD_OUT)
    return {
      ape_limit: TARGET_APE,
      met: false,
      statement: `Not established: ${n} held-out quarter${n === 1 ? '' : 's'} (${MIN_HELD_OUT} needed), too little history to judge the ±${TARGET_APE} % target.`,
    };
  const mean = finiteMean(heldOut.map((h) => h.ape));
  const worst = Math.max(...heldOut.map((h) => h.ape));
  const within = heldOut.filter((h) => h.ape <= TARGET_APE).length;
  const met = mean <= TARGET_APE;
  const span = `${n} held-out origins (${heldOut[0]?.origin} … ${heldOut[n - 1]?.origin}), each forecast with the method chosen on earlier origins only`;
  return {
    ape_limit: TARGET_APE,
    met,
    statement: `${met ? 'Met' : 'Not met'}: the next quarter's revenue was off by ${mean.toFixed(1)} % on average (worst ${worst.toFixed(1)} %, ${within} of ${n} within ±${TARGET_APE} %) over ${span}.`,
  };
}

/** Everything one forecast run knows; the day, week and month answers are views of it. */
interface Core {
  readonly asOf: string;
  readonly ledger: Ledger;
  readonly runs: OriginRun[];
  readonly method: MethodName | 'mean';
  readonly model: string;
  readonly start: string;
  readonly path: number[];
  readonly calendar: CalendarFactors;
  readonly weeks: number;
  readonly backtest: Omit<RevenueBacktest, 'smape' | 'mape'>;
  readonly target: RevenueTarget;
}

/** Days from as_of + 1 through the end of the farthest bucket any view serves. */
function liveLength(asOf: string): number {
  const start = addDays(asOf, 1);
  const ends = GRANULARITIES.map((g) => {
    let b = bucketOf(start, g);
    for (let k = 1; k < MAX_HORIZON[g]; k++) b = nextBucket(b, g);
    return addDays(nextBucket(b, g), -1);
  });
  return Math.max(...ends.map((e) => daysBetween(start, e) + 1), daysBetween(start, quarterAfter(asOf).to) + 1);
}

function buildCore(history: readonly DailyRevenue[], asOfOption: string | undefined): Core {
  let days = history;
  // history starts on the first Monday: the first partial week of a ledger is usually a start-up artefact
  const firstMonday = days.findIndex((d) => new Date(`${d.date}T00:00:00Z`).getUTCDay() === 1);
  if (firstMonday > 0) days = days.slice(firstMonday);
  const asOf = asOfOption ?? (days[days.length - 1] as DailyRevenue | undefined)?.date;
  if (asOf === undefined) throw new Error('forecastRevenue: an empty history needs options.asOf');
  days = days.filter((d) => d.date <= asOf);
  const first = (days[0] as DailyRevenue | undefined)?.date ?? addDays(asOf, 1);
  const amounts = new Array<number>(Math.max(0, daysBetween(first, asOf) + 1)).fill(0);
  for (const d of days) amounts[daysBetween(first, d.date)] = d.amountMinor;
  const ledger = new Ledger(first, amounts);
  const start = addDays(asOf, 1);
  const length = liveLength(asOf);
  const runs = runBacktest(ledger, asOf);
  const choice = chooseMethod(runs.filter((r) => r.quarter.closed));
  const paths = dailyPaths(ledger.before(start), start, length, [choice.method]);
  const short = paths.weeks < MIN_WEEKS;
  const method = short ? 'mean' : choice.method;
  const path = paths.daily.get(short ? 'combination' : choice.method) ?? new Array<number>(length).fill(0);
  const heldOut: HeldOutOrigin[] = runs.filter(isHeldOut).map((r) => {
    const forecast = r.quarter.forecast.get(r.method) ?? 0;
    return {
      origin: r.origin,
      method: r.method,
      quarter_from: r.quarter.from,
      quarter_to: r.quarter.to,
      actual_minor: r.quarter.actual,
      forecast_minor: forecast,
      ape: round2(ape(r.quarter.actual, forecast)),
    };
  });
  const backtest = {
    origins: runs.length,
    first_origin: runs[0]?.origin ?? null,
    last_origin: runs[runs.length - 1]?.origin ?? null,
    held_out: heldOut,
    quarter_ape: heldOut.length === 0 ? null : round2(finiteMean(heldOut.map((h) => h.ape))),
    quarter_ape_max: heldOut.length === 0 ? null : Math.max(...heldOut.map((h) => h.ape)),
    by_method: Object.fromEntries(METHODS.map((m) => [m, nullable(round2(choice.byMethod.get(m) ?? Number.NaN))])),
  };
  return {
    asOf,
    ledger,
    runs,
    method,
    model: paths.models.get(short ? 'combination' : choice.method) ?? 'mean (short history)',
    start,
    path,
    calendar: paths.calendar,
    weeks: paths.weeks,
    backtest: runs.length === 0 ? EMPTY_BACKTEST : backtest,
    target: targetOf(heldOut),
  };
}

const clip = (v: number) => Math.max(0, Math.round(v));

/** The answer at one granularity: buckets from the one holding as_of + 1, bands where the backtest supports them. */
function view(core: Core, g: Granularity, horizon: number): RevenueForecast {
  const { ledger, runs, start, path, asOf } = core;
  const errors = bucketErrors(runs, ledger, g, asOf);
  const cov = bandCoverage(runs, errors);
  const qcov = quarterCoverage(runs);
  const covered95 = cov.checks === 0 ? 0 : cov.in95 / cov.checks;
  const shown = core.method !== 'mean' && cov.checks >= MIN_CHECKS && covered95 >= MIN_COVERAGE95;
  const bandAt = (k: number): Band | null =>
    shown
      ? bandOf(
          errors
            .map((es) => es[k])
            .filter((e): e is BucketError => e !== undefined)
            .map(ratio)
            .filter(Number.isFinite),
        )
      : null;
  let withBand = 0;
  const points: RevenuePoint[] = bucketsFrom(start, g, (_, __, k) => k < horizon).map((b, k) => {
    const booked = ledger.sum(b.from, asOf);
    const forecast = pathSum(path, start, b.from < start ? start : b.from, b.to);
    const band = bandAt(k);
    if (band !== null && withBand === k) withBand++;
    const at = (q: number) => (band === null ? null : clip(booked + forecast * q));
    return {
      period: b.from,
      booked_minor: booked,
      point_minor: booked + forecast,
      lower80_minor: at(band?.l80 ?? 0),
      upper80_minor: at(band?.u80 ?? 0),
      lower95_minor: at(band?.l95 ?? 0),
      upper95_minor: at(band?.u95 ?? 0),
    };
  });
  const q = quarterAfter(asOf);
  const qTotal = pathSum(path, start, q.from, q.to);
  const qBand =
    shown && qcov.checks >= MIN_CHECKS && qcov.in95 / qcov.checks >= MIN_COVERAGE95
      ? bandOf(
          runs.flatMap((r) => {
            const f = r.quarter.forecast.get(r.method) ?? 0;
            return r.quarter.closed && f > 0 ? [r.quarter.actual / f] : [];
          }),
        )
      : null;
  const qAt = (m: number) => (qBand === null ? null : clip(qTotal * m));
  const quarter: QuarterForecast = {
    ...q,
    point_minor: qTotal,
    lower80_minor: qAt(qBand?.l80 ?? 0),
    upper80_minor: qAt(qBand?.u80 ?? 0),
    lower95_minor: qAt(qBand?.l95 ?? 0),
    upper95_minor: qAt(qBand?.u95 ?? 0),
    by_month: bucketsFrom(q.from, 'month', (from) => from <= q.to).map((b) => ({
      period: b.from,
      point_minor: pathSum(path, start, b.from, b.to),
    })),
    by_week: bucketsFrom(q.from, 'week', (from) => from <= q.to).map((b) => {
      const from = b.from < q.from ? q.from : b.from;
      const to = b.to > q.to ? q.to : b.to;
      return { from, to, point_minor: pathSum(path, start, from, to) };
    }),
  };
  // held-out accuracy per bucket of this granularity
  const smape: number[] = [];
  const mape: number[] = [];
  runs.forEach((r, i) => {
    if (!isHeldOut(r)) return;
    for (const e of errors[i] ?? []) {
      const x = e.booked + e.actual;
      const f = e.booked + e.forecast;
      const d = Math.abs(x) + Math.abs(f);
      smape.push(d === 0 ? 0 : (200 * Math.abs(x - f)) / d);
      if (x !== 0) mape.push(ape(x, f));
    }
  });
  const reason =
    core.method === 'mean'
      ? `No band: ${core.weeks} complete weeks of history, a model and its backtest need ${MIN_WEEKS}.`
      : shown
        ? `Bands are the spread of ${runs.length} backtest origins' errors at the same ${g} ahead; shown for the first ${withBand} ${g}s (beyond that fewer than ${MIN_ERRORS} origins have reached).`
        : cov.checks < MIN_CHECKS
          ? `No band: ${runs.length} backtest origins give ${cov.checks} out-of-sample checks of a band's coverage (${MIN_CHECKS} needed); the history is too short or too thin to back one.`
          : `No band: in the backtest the 95 % band covered only ${Math.round(100 * covered95)} % of ${cov.checks} held-out ${g}s (${Math.round(100 * MIN_COVERAGE95)} % needed), so a band would mislead.`;
  const label = core.method === 'mean' ? core.model : `${core.model} on weekly revenue per school day`;
  return {
    granularity: g,
    horizon,
    as_of: asOf,
    method: core.method,
    model: g === 'week' || core.method === 'mean' ? label : `${label}, spread over days by the calendar`,
    points,
    quarter,
    backtest: {
      ...core.backtest,
      smape: nullable(round2(finiteMean(smape))),
      mape: nullable(round2(finiteMean(mape))),
    },
    target: core.target,
    bands: {
      shown,
      reason,
      coverage80: cov.checks === 0 ? null : round2(cov.in80 / cov.checks),
      coverage95: cov.checks === 0 ? null : round2(cov.in95 / cov.checks),
      checks: cov.checks,
      buckets_with_band: withBand,
      quarter_coverage80: qcov.checks === 0 ? null : round2(qcov.in80 / qcov.checks),
      quarter_coverage95: qcov.checks === 0 ? null : round2(qcov.in95 / qcov.checks),
      quarter_checks: qcov.checks,
    },
    calendar: core.calendar,
    history_buckets: core.weeks,
  };
}

export interface RevenueForecastOptions {
  readonly granularity: Granularity;
  readonly horizon: number;
  /** The last day of data (default: the history's last day; required for an empty history). */
  readonly asOf?: string;
}

/** Forecasts revenue at one granularity from the daily series (consecutive IST days, oldest first). */
export function forecastRevenue(history: readonly DailyRevenue[], options: RevenueForecastOptions): RevenueForecast {
  return view(buildCore(history, options.asOf), options.granularity, options.horizon);
}

/** Every granularity at its longest horizon from one fit and one backtest (what the nightly refresh stores). */
export function forecastRevenueViews(
  history: readonly DailyRevenue[],
  options: { readonly asOf?: string } = {},
): Record<Granularity, RevenueForecast> {
  const core = buildCore(history, options.asOf);
  return {
    day: view(core, 'day', MAX_HORIZON.day),
    week: view(core, 'week', MAX_HORIZON.week),
    month: view(core, 'month', MAX_HORIZON.month),
  };
}
