// Exponential smoothing in innovations state-space form (Hyndman, Koehler, Ord & Snyder 2008, "Forecasting
// with Exponential Smoothing", Table 2.3): error A/M, trend N/A/Ad, season N/A/M. The state updates are
// the same for both error types (the error only changes the likelihood), written as in the `forecast` R
// package's C code:
//   q = l + φb,  p = y − s | y / s | y,  l' = q + α(p − q),  b' = φb + (β/α)(l' − l − φb),
//   s' = s + γ((y − q | y / q) − s)
// −2 log L (concentrated over σ, up to a constant) = n log Σe² + 2 Σ log|ŷ| (the last term for multiplicative
// error only), e = y − ŷ or (y − ŷ)/ŷ. Parameters are fitted by Nelder–Mead on logistic transforms that keep
// them inside the usual region 0 < α < 1, 0 < β < α, 0 < γ < 1 − α, 0.8 ≤ φ ≤ 0.98, together with the
// initial states, which start from the classical-decomposition heuristic of Hyndman et al. (2002).
import { seededRandom } from '../../platform/random.js';
import { nelderMead } from '../nelder-mead.js';
import { seasonalIndices } from './decompose.js';

export type ErrorType = 'A' | 'M';
export type TrendType = 'N' | 'A' | 'Ad';
export type SeasonType = 'N' | 'A' | 'M';

export interface EtsSpec {
  readonly error: ErrorType;
  readonly trend: TrendType;
  readonly season: SeasonType;
}

export interface EtsStates {
  readonly level: number;
  readonly trend: number;
  /** Seasonal index by position: `seasonal[t % m]` applies to observation t (t from the first observation). */
  readonly seasonal: readonly number[];
}

export interface EtsModel {
  readonly kind: 'ets';
  readonly spec: EtsSpec;
  readonly name: string;
  readonly m: number;
  readonly n: number;
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
  readonly phi: number;
  readonly initial: EtsStates;
  /** States after the last observation (seasonal still indexed by absolute position t % m). */
  readonly final: EtsStates;
  /** σ² of the innovations (absolute for additive error, relative for multiplicative). */
  readonly sigma2: number;
  readonly loglik: number;
  readonly aic: number;
  readonly aicc: number;
  readonly bic: number;
  readonly nParams: number;
}

export interface Forecast {
  readonly mean: number[];
  /** Lower / upper bounds per level, e.g. `lower['80'][h-1]`. */
  readonly lower: Record<'80' | '95', number[]>;
  readonly upper: Record<'80' | '95', number[]>;
}

export const etsName = (s: EtsSpec): string => `ETS(${s.error},${s.trend},${s.season})`;

const LOWER = 1e-4;
const UPPER = 0.9999;
const PHI_LOWER = 0.8;
const PHI_UPPER = 0.98;
const TOL = 1e-10;
const sigmoid = (u: number): number => 1 / (1 + Math.exp(-u));
const logit = (p: number): number => Math.log(p / (1 - p));

/**
 * Runs the recursions over y. Returns −2 log L up to a constant (n log Σe² + 2 Σ log|ŷ|), or Infinity when a
 * one-step forecast leaves the model's domain (non-finite, or non-positive where multiplicative).
 * `seasonal` is updated in place; the final level and trend go to `out`.
 */
function runFilter(
  y: Float64Array,
  spec: EtsSpec,
  m: number,
  alpha: number,
  beta: number,
  gamma: number,
  phi: number,
  l0: number,
  b0: number,
  seasonal: Float64Array,
  out: { level: number; trend: number; sse: number } | null,
): number {
  const multError = spec.error === 'M';
  const hasTrend = spec.trend !== 'N';
  const season = spec.season;
  const n = y.length;
  const betaOverAlpha = beta / alpha;
  let l = l0;
  let b = hasTrend ? b0 : 0;
  let sse = 0;
  let sumLog = 0;
  for (let t = 0; t < n; t++) {
    const yt = y[t] as number;
    const phib = hasTrend ? phi * b : 0;
    const q = l + phib;
    let f = q;
    let st = 0;
    const si = season === 'N' ? 0 : t % m;
    if (season === 'A') {
      st = seasonal[si] as number;
      f = q + st;
    } else if (season === 'M') {
      st = seasonal[si] as number;
      if (st <= TOL || q <= TOL) return Number.POSITIVE_INFINITY;
      f = q * st;
    }
    if (!Number.isFinite(f)) return Number.POSITIVE_INFINITY;
    let e: number;
    if (multError) {
      if (f <= TOL) return Number.POSITIVE_INFINITY;
      e = (yt - f) / f;
      sumLog += Math.log(f);
    } else {
      e = yt - f;
    }
    sse += e * e;
    const p = season === 'A' ? yt - st : season === 'M' ? yt / st : yt;
    const lNew = q + alpha * (p - q);
    if (hasTrend) b = phib + betaOverAlpha * (lNew - l - phib);
    if (season === 'A') seasonal[si] = st + gamma * (yt - q - st);
    else if (season === 'M') seasonal[si] = st + gamma * (yt / q - st);
    l = lNew;
  }
  if (out !== null) {
    out.level = l;
    out.trend = b;
    out.sse = sse;
  }
  if (!(sse > 0) || !Number.isFinite(sse)) return sse === 0 ? -1e300 : Number.POSITIVE_INFINITY;
  return n * Math.log(sse) + 2 * sumLog;
}

/** Runs the recursions with given parameters and initial states, without fitting: the final states and SSE. */
export function applyEts(
  values: readonly number[],
  spec: EtsSpec,
  m: number,
  params: { alpha: number; beta?: number; gamma?: number; phi?: number },
  initial: EtsStates,
): { level: number; trend: number; seasonal: number[]; sse: number } {
  const seasonal = Float64Array.from(initial.seasonal);
  const out = { level: 0, trend: 0, sse: 0 };
  const phi = spec.trend === 'Ad' ? (params.phi ?? 1) : 1;
  runFilter(
    Float64Array.from(values),
    spec,
    m,
    params.alpha,
    params.beta ?? 0,
    params.gamma ?? 0,
    phi,
    initial.level,
    initial.trend,
    seasonal,
    out,
  );
  return { level: out.level, trend: out.trend, seasonal: Array.from(seasonal), sse: out.sse };
}

/** The initial states of Hyndman et al. (2002): decomposition of the first three seasons, then a line. */
export function heuristicInitialStates(y: readonly number[], spec: EtsSpec, m: number): EtsStates {
  const n = y.length;
  let seasonal: number[] = [];
  let adjusted = [...y];
  if (spec.season !== 'N') {
    const type = spec.season === 'M' ? 'multiplicative' : 'additive';
    seasonal = seasonalIndices(y.slice(0, Math.min(n, 3 * m)), m, type);
    adjusted = y.map((v, t) =>
      spec.season === 'M' ? v / (seasonal[t % m] as number) : v - (seasonal[t % m] as number),
    );
  }
  const maxn = Math.min(Math.max(10, 2 * m), n);
  if (spec.trend === 'N') {
    const level = adjusted.slice(0, maxn).reduce((a, b) => a + b, 0) / maxn;
    return { level, trend: 0, seasonal };
  }
  // least squares of adjusted[t] on t = 1..maxn: the intercept is the level before the first observation
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < maxn; i++) {
    const x = i + 1;
    const v = adjusted[i] as number;
    sx += x;
    sy += v;
    sxx += x * x;
    sxy += x * v;
  }
  const slope = (maxn * sxy - sx * sy) / (maxn * sxx - sx * sx);
  const intercept = (sy - slope * sx) / maxn;
  return { level: intercept, trend: slope, seasonal };
}

/** Number of free parameters counted by AICc: smoothing parameters, initial states (m − 1 seasonal), and σ. */
export function parameterCount(spec: EtsSpec, m: number): number {
  let k = 1 + 1; // alpha, l0
  if (spec.trend !== 'N') k += 2; // beta, b0
  if (spec.trend === 'Ad') k += 1; // phi
  if (spec.season !== 'N') k += 1 + (m - 1); // gamma, s0…
  return k + 1; // sigma
}

export interface FitEtsOptions {
  readonly maxEvaluations?: number;
}

/** Fits one ETS model by maximum likelihood; null when no admissible fit exists. */
export function fitEts(
  values: readonly number[],
  spec: EtsSpec,
  m: number,
  options: FitEtsOptions = {},
): EtsModel | null {
  const n = values.length;
  const seasonal = spec.season !== 'N';
  if (seasonal && (m <= 1 || n < 2 * m)) return null;
  const mult = spec.error === 'M' || spec.season === 'M';
  if (mult && values.some((v) => v <= 0)) return null;
  const y = Float64Array.from(values);
  const init = heuristicInitialStates(values, spec, m);
  if (spec.season === 'M' && init.seasonal.some((s) => !(s > 0))) return null;
  const hasTrend = spec.trend !== 'N';
  const damped = spec.trend === 'Ad';
  let scale = 0;
  for (const v of values) scale += Math.abs(v);
  scale = scale / n || 1;

  // start values as in forecast::ets (initparam), pulled slightly off the bounds for the logistic transform
  const alpha0 = seasonal ? 0.1 : 0.3;
  const x0: number[] = [logit((alpha0 - LOWER) / (UPPER - LOWER))];
  const steps: number[] = [0.5];
  if (hasTrend) {
    x0.push(logit(0.1));
    steps.push(0.5);
  }
  if (seasonal) {
    x0.push(logit(0.05));
    steps.push(0.5);
  }
  if (damped) {
    x0.push(logit(0.9));
    steps.push(0.5);
  }
  x0.push(init.level / scale);
  steps.push(0.05);
  if (hasTrend) {
    x0.push(init.trend / scale);
    steps.push(0.01);
  }
  const sScale = spec.season === 'A' ? scale : 1;
  if (seasonal) {
    for (let j = 0; j < m - 1; j++) {
      x0.push((init.seasonal[j] as number) / sScale);
      steps.push(0.05);
    }
  }
  const s = new Float64Array(seasonal ? m : 0);
  const decode = (x: Float64Array) => {
    let i = 0;
    const alpha = LOWER + (UPPER - LOWER) * sigmoid(x[i++] as number);
    const beta = hasTrend ? LOWER + (alpha - LOWER) * sigmoid(x[i++] as number) : 0;
    const gamma = seasonal ? LOWER + (1 - alpha - LOWER) * sigmoid(x[i++] as number) : 0;
    const phi = damped ? PHI_LOWER + (PHI_UPPER - PHI_LOWER) * sigmoid(x[i++] as number) : 1;
    const l0 = (x[i++] as number) * scale;
    const b0 = hasTrend ? (x[i++] as number) * scale : 0;
    if (seasonal) {
      let sum = 0;
      for (let j = 0; j < m - 1; j++) {
        const v = (x[i++] as number) * sScale;
        s[j] = v;
        sum += v;
      }
      s[m - 1] = (spec.season === 'M' ? m : 0) - sum;
    }
    return { alpha, beta, gamma, phi, l0, b0 };
  };
  const objective = (x: Float64Array): number => {
    const p = decode(x);
    if (spec.season === 'M') for (let j = 0; j < m; j++) if ((s[j] as number) <= TOL) return Number.POSITIVE_INFINITY;
    return runFilter(y, spec, m, p.alpha, p.beta, p.gamma, p.phi, p.l0, p.b0, s, null);
  };
  const maxEvaluations = options.maxEvaluations ?? Math.max(1000, 120 * x0.length);
  let best = nelderMead(objective, x0, { maxEvaluations, steps });
  // one restart from the optimum: Nelder–Mead often stalls on a collapsed simplex in ~17 dimensions
  const again = nelderMead(objective, Array.from(best.x), { maxEvaluations: Math.floor(maxEvaluations / 2), steps });
  if (again.value < best.value) best = again;
  if (!Number.isFinite(best.value)) return null;

  const p = decode(best.x);
  const initialSeasonal = Array.from(s);
  const out = { level: 0, trend: 0, sse: 0 };
  const lik = runFilter(y, spec, m, p.alpha, p.beta, p.gamma, p.phi, p.l0, p.b0, s, out);
  if (!Number.isFinite(lik)) return null;
  const k = parameterCount(spec, m);
  const loglik = -0.5 * (lik + n * (Math.log((2 * Math.PI) / n) + 1));
  const aic = -2 * loglik + 2 * k;
  const aicc = n - k - 1 > 0 ? aic + (2 * k * (k + 1)) / (n - k - 1) : Number.POSITIVE_INFINITY;
  const bic = -2 * loglik + Math.log(n) * k;
  return {
    kind: 'ets',
    spec,
    name: etsName(spec),
    m: seasonal ? m : 1,
    n,
    alpha: p.alpha,
    beta: p.beta,
    gamma: p.gamma,
    phi: p.phi,
    initial: { level: p.l0, trend: p.b0, seasonal: initialSeasonal },
    final: { level: out.level, trend: out.trend, seasonal: Array.from(s) },
    sigma2: out.sse / Math.max(1, n - k + 1),
    loglik,
    aic,
    aicc,
    bic,
    nParams: k,
  };
}

/** Point forecasts for h = 1..horizon. */
export function etsPointForecast(model: EtsModel, horizon: number): number[] {
  const { level, trend, seasonal } = model.final;
  const out: number[] = [];
  let phiSum = 0;
  let phiPow = 1;
  for (let h = 1; h <= horizon; h++) {
    phiPow *= model.phi;
    phiSum += model.spec.trend === 'Ad' ? phiPow : model.spec.trend === 'A' ? 1 : 0;
    const q = level + phiSum * trend;
    const si = (model.n + h - 1) % model.m;
    const f =
      model.spec.season === 'A'
        ? q + (seasonal[si] as number)
        : model.spec.season === 'M'
          ? q * (seasonal[si] as number)
          : q;
    out.push(f);
  }
  return out;
}

const Z80 = 1.2815515655446004;
const Z95 = 1.959963984540054;

/**
 * Point forecasts with 80 % and 95 % intervals: analytical for the linear models (additive error, no
 * multiplicative season; Hyndman et al. 2008 §6.1: v_h = σ²(1 + Σ_{j<h} c_j²), c_j = α + β Σ_{i≤j} φ^i + γ·[m | j]),
 * otherwise the quantiles of `paths` sample paths simulated with a seeded generator.
 */
export function etsForecast(
  model: EtsModel,
  horizon: number,
  options: { seed?: number; paths?: number } = {},
): Forecast {
  const mean = etsPointForecast(model, horizon);
  if (model.spec.error === 'A' && model.spec.season !== 'M') {
    const lower = { '80': [] as number[], '95': [] as number[] };
    const upper = { '80': [] as number[], '95': [] as number[] };
    let acc = 1;
    let phiSum = 0;
    let phiPow = 1;
    for (let h = 1; h <= horizon; h++) {
      if (h > 1) {
        const j = h - 1;
        phiPow *= model.phi;
        phiSum += model.spec.trend === 'N' ? 0 : phiPow;
        const c =
          model.alpha + model.beta * phiSum + (model.spec.season !== 'N' && j % model.m === 0 ? model.gamma : 0);
        acc += c * c;
      }
      const sd = Math.sqrt(model.sigma2 * acc);
      const f = mean[h - 1] as number;
      lower['80'].push(f - Z80 * sd);
      upper['80'].push(f + Z80 * sd);
      lower['95'].push(f - Z95 * sd);
      upper['95'].push(f + Z95 * sd);
    }
    return { mean, lower, upper };
  }
  return { mean, ...simulateIntervals(model, horizon, options.paths ?? 2000, options.seed ?? 42) };
}

/** A standard normal sampler over a seeded uniform source (Box–Muller). */
export function normalSampler(seed: number): () => number {
  const u = seededRandom(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    let a = u();
    while (a <= 0) a = u();
    const b = u();
    const r = Math.sqrt(-2 * Math.log(a));
    spare = r * Math.sin(2 * Math.PI * b);
    return r * Math.cos(2 * Math.PI * b);
  };
}

function simulateIntervals(
  model: EtsModel,
  horizon: number,
  paths: number,
  seed: number,
): Pick<Forecast, 'lower' | 'upper'> {
  const normal = normalSampler(seed);
  const sigma = Math.sqrt(model.sigma2);
  const sims: Float64Array[] = Array.from({ length: horizon }, () => new Float64Array(paths));
  const s = new Float64Array(model.m);
  const hasTrend = model.spec.trend !== 'N';
  for (let p = 0; p < paths; p++) {
    let l = model.final.level;
    let b = model.final.trend;
    for (let j = 0; j < model.m; j++) s[j] = model.final.seasonal[j] ?? 0;
    for (let h = 1; h <= horizon; h++) {
      const phib = hasTrend ? model.phi * b : 0;
      const q = l + phib;
      const si = (model.n + h - 1) % model.m;
      const st = model.spec.season === 'N' ? 0 : (s[si] as number);
      const f = model.spec.season === 'A' ? q + st : model.spec.season === 'M' ? q * st : q;
      const eps = sigma * normal();
      const y = model.spec.error === 'M' ? f * (1 + eps) : f + eps;
      (sims[h - 1] as Float64Array)[p] = y;
      const pp = model.spec.season === 'A' ? y - st : model.spec.season === 'M' ? y / st : y;
      const lNew = q + model.alpha * (pp - q);
      if (hasTrend) b = phib + (model.beta / model.alpha) * (lNew - l - phib);
      if (model.spec.season === 'A') s[si] = st + model.gamma * (y - q - st);
      else if (model.spec.season === 'M') s[si] = st + model.gamma * (y / q - st);
      l = lNew;
    }
  }
  const lower = { '80': [] as number[], '95': [] as number[] };
  const upper = { '80': [] as number[], '95': [] as number[] };
  for (const col of sims) {
    col.sort();
    lower['80'].push(quantile(col, 0.1));
    upper['80'].push(quantile(col, 0.9));
    lower['95'].push(quantile(col, 0.025));
    upper['95'].push(quantile(col, 0.975));
  }
  return { lower, upper };
}

/** Linear-interpolation quantile (R type 7) of sorted values. */
export function quantile(sorted: Float64Array | readonly number[], p: number): number {
  const n = sorted.length;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return (sorted[lo] as number) + (h - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

export const ALL_SPECS: readonly EtsSpec[] = (['A', 'M'] as const).flatMap((error) =>
  (['N', 'A', 'Ad'] as const).flatMap((trend) =>
    (['N', 'A', 'M'] as const).map((season) => ({ error, trend, season })),
  ),
);

export interface SelectEtsOptions extends FitEtsOptions {
  /** Restrict the candidates (default: all 15 stable ones of forecast::ets — additive error with multiplicative season excluded). */
  readonly specs?: readonly EtsSpec[];
  /** Horizon over which forecasts must stay sane (default max(2m, 12)). */
  readonly checkHorizon?: number;
  /** Skip the admissibility guards (for tests that show why they exist). */
  readonly unguarded?: boolean;
}

export interface EtsSelection {
  readonly model: EtsModel;
  /** Every candidate fitted, with its AICc and why it was refused (null = admissible). */
  readonly candidates: readonly { name: string; aicc: number; rejected: string | null; model: EtsModel | null }[];
}

/**
 * Why a fitted model may not be chosen, or null: a non-finite criterion, parameters on the edge of the
 * region, or point forecasts / forecast variance that leave the plausible range of the data (negative for
 * positive multiplicative data, or beyond 10× the largest observation within the check horizon).
 */
export function inadmissibleReason(model: EtsModel, values: readonly number[], checkHorizon: number): string | null {
  if (!Number.isFinite(model.aicc)) return 'non_finite_aicc';
  if (!(model.sigma2 >= 0) || !Number.isFinite(model.sigma2)) return 'non_finite_variance';
  if (!(model.alpha > 0 && model.alpha < 1)) return 'alpha_out_of_region';
  if (model.spec.trend !== 'N' && !(model.beta > 0 && model.beta <= model.alpha * (1 + 1e-9)))
    return 'beta_out_of_region';
  if (model.spec.season !== 'N' && !(model.gamma > 0 && model.gamma <= (1 - model.alpha) * (1 + 1e-9)))
    return 'gamma_out_of_region';
  if (model.spec.trend === 'Ad' && !(model.phi >= PHI_LOWER && model.phi <= PHI_UPPER)) return 'phi_out_of_region';
  const mult = model.spec.error === 'M' || model.spec.season === 'M';
  if (mult && values.some((v) => v <= 0)) return 'multiplicative_on_non_positive_data';
  let maxAbs = 0;
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
  const f = etsPointForecast(model, checkHorizon);
  for (const v of f) {
    if (!Number.isFinite(v)) return 'non_finite_forecast';
    if (mult && v <= 0) return 'non_positive_multiplicative_forecast';
    if (Math.abs(v) > 10 * maxAbs) return 'forecast_explodes';
  }
  // the forecast standard deviation at the check horizon must stay within the data's scale
  const relVar = model.spec.error === 'M' ? model.sigma2 : model.sigma2 / Math.max(maxAbs * maxAbs, 1e-12);
  if (relVar * checkHorizon > 25) return 'forecast_variance_explodes';
  return null;
}

/** Chooses the ETS model of least AICc among the admissible candidates (Hyndman et al. 2002 / forecast::ets). */
export function selectEts(values: readonly number[], m: number, options: SelectEtsOptions = {}): EtsSelection {
  const positive = values.every((v) => v > 0);
  const seasonalOk = m > 1 && values.length >= 2 * m;
  const specs = (options.specs ?? ALL_SPECS).filter(
    (s) =>
      !(s.error === 'A' && s.season === 'M') &&
      (s.season === 'N' || seasonalOk) &&
      (options.unguarded === true || positive || (s.error === 'A' && s.season !== 'M')),
  );
  const checkHorizon = options.checkHorizon ?? Math.max(2 * m, 12);
  const candidates: { name: string; aicc: number; rejected: string | null; model: EtsModel | null }[] = [];
  let best: EtsModel | null = null;
  for (const spec of specs) {
    // too few observations for this many parameters (forecast::ets: n ≤ npars + 4)
    if (values.length <= parameterCount(spec, m) + 3) continue;
    const model = fitEts(values, spec, m, options);
    if (model === null) {
      candidates.push({ name: etsName(spec), aicc: Number.NaN, rejected: 'no_fit', model: null });
      continue;
    }
    const rejected = options.unguarded === true ? null : inadmissibleReason(model, values, checkHorizon);
    candidates.push({ name: model.name, aicc: model.aicc, rejected, model });
    if (rejected === null && (best === null || model.aicc < best.aicc)) best = model;
  }
  if (best === null) {
    // last resort: simple exponential smoothing with additive error always fits
    const fallback = fitEts(values, { error: 'A', trend: 'N', season: 'N' }, m, options);
    if (fallback === null) throw new Error('ETS: no model could be fitted');
    best = fallback;
  }
  return { model: best, candidates };
}

/** The admissible candidate of least AICc among those `accept` allows (e.g. the damped-trend forms), or null. */
export function bestCandidate(selection: EtsSelection, accept: (spec: EtsSpec) => boolean): EtsModel | null {
  let best: EtsModel | null = null;
  for (const c of selection.candidates)
    if (c.rejected === null && c.model !== null && accept(c.model.spec) && (best === null || c.model.aicc < best.aicc))
      best = c.model;
  return best;
}
