// Nelder–Mead simplex minimisation (Nelder & Mead 1965), shared by the ETS fits (models/forecast) and the
// BG/NBD and Gamma-Gamma fits (models/ltv). The coefficients of Gao & Han 2012 are not used: these models have
// at most ~17 parameters, where the classic 1 / 2 / 0.5 / 0.5 converge as well and are what R's optim uses,
// the reference both literatures were fitted with.

export interface NelderMeadOptions {
  /** Stop after this many evaluations of f. */
  readonly maxEvaluations?: number;
  /** Stop when the spread of f over the simplex is at most reltol·(|f_best| + reltol). */
  readonly reltol?: number;
  /** Initial step per coordinate (same length as x0), default `step` each. */
  readonly steps?: readonly number[];
  /** Initial step of every coordinate when `steps` is not given, default 0.1. */
  readonly step?: number;
  /** Also require every vertex within `xtol` of the best in each coordinate before stopping (off by default). */
  readonly xtol?: number;
  /**
   * Restart from the optimum with steps a quarter as large, up to this many times, until a restart improves f by
   * at most reltol·|f| (default 0). Restarts share `maxEvaluations`.
   */
  readonly restarts?: number;
}

export interface NelderMeadResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly evaluations: number;
}

/** Minimises f from x0; f may return Infinity (or NaN) for points outside its domain. */
export function nelderMead(
  f: (x: Float64Array) => number,
  x0: ArrayLike<number>,
  options: NelderMeadOptions = {},
): NelderMeadResult {
  const maxEvaluations = options.maxEvaluations ?? 2000;
  const reltol = options.reltol ?? 1e-8;
  let result = simplexSearch(f, x0, options, 1, maxEvaluations);
  for (let restart = 1; restart <= (options.restarts ?? 0); restart++) {
    const again = simplexSearch(f, result.x, options, 0.25, maxEvaluations - result.evaluations);
    const improved = result.value - again.value;
    const evaluations = result.evaluations + again.evaluations;
    result = again.value < result.value ? { ...again, evaluations } : { ...result, evaluations };
    if (improved <= reltol * Math.abs(result.value) || evaluations >= maxEvaluations) break;
  }
  return result;
}

function simplexSearch(
  f: (x: Float64Array) => number,
  x0: ArrayLike<number>,
  options: NelderMeadOptions,
  stepScale: number,
  maxEvaluations: number,
): NelderMeadResult {
  const n = x0.length;
  const reltol = options.reltol ?? 1e-8;
  const points: Float64Array[] = [];
  const values = new Float64Array(n + 1);
  let evaluations = 0;
  const evaluate = (x: Float64Array): number => {
    evaluations++;
    const v = f(x);
    return Number.isNaN(v) ? Number.POSITIVE_INFINITY : v;
  };
  points.push(Float64Array.from(x0));
  values[0] = evaluate(points[0] as Float64Array);
  for (let i = 0; i < n; i++) {
    const p = Float64Array.from(x0);
    p[i] = (p[i] as number) + stepScale * (options.steps?.[i] ?? options.step ?? 0.1);
    points.push(p);
    values[i + 1] = evaluate(p);
  }
  const order = Array.from({ length: n + 1 }, (_, i) => i);
  const centroid = new Float64Array(n);
  const reflected = new Float64Array(n);
  const expanded = new Float64Array(n);
  const contracted = new Float64Array(n);
  const within = (best: number): boolean => {
    if (options.xtol === undefined) return true;
    const b = points[best] as Float64Array;
    for (const p of points)
      for (let j = 0; j < n; j++)
        if (Math.abs((p[j] as number) - (b[j] as number)) >= (options.xtol as number)) return false;
    return true;
  };
  const along = (to: Float64Array, from: Float64Array, t: number): void => {
    for (let j = 0; j < n; j++) to[j] = (centroid[j] as number) + t * ((from[j] as number) - (centroid[j] as number));
  };
  while (evaluations < maxEvaluations) {
    order.sort((a, b) => (values[a] as number) - (values[b] as number));
    const best = order[0] as number;
    const worst = order[n] as number;
    const secondWorst = order[n - 1] as number;
    const fBest = values[best] as number;
    const fWorst = values[worst] as number;
    if (Number.isFinite(fWorst) && fWorst - fBest <= reltol * (Math.abs(fBest) + reltol) && within(best)) break;
    centroid.fill(0);
    for (let k = 0; k < n; k++) {
      const p = points[order[k] as number] as Float64Array;
      for (let j = 0; j < n; j++) centroid[j] = (centroid[j] as number) + (p[j] as number) / n;
    }
    const w = points[worst] as Float64Array;
    along(reflected, w, -1);
    const fr = evaluate(reflected);
    if (fr < fBest) {
      along(expanded, w, -2);
      const fe = evaluate(expanded);
      if (fe < fr) {
        w.set(expanded);
        values[worst] = fe;
      } else {
        w.set(reflected);
        values[worst] = fr;
      }
      continue;
    }
    if (fr < (values[secondWorst] as number)) {
      w.set(reflected);
      values[worst] = fr;
      continue;
    }
    // contraction: outside if the reflection beat the worst, inside otherwise
    const outside = fr < fWorst;
    along(contracted, outside ? reflected : w, 0.5);
    const fc = evaluate(contracted);
    if (fc < (outside ? fr : fWorst)) {
      w.set(contracted);
      values[worst] = fc;
      continue;
    }
    // shrink towards the best point
    const b = points[best] as Float64Array;
    for (let k = 1; k <= n; k++) {
      const idx = order[k] as number;
      const p = points[idx] as Float64Array;
      for (let j = 0; j < n; j++) p[j] = (b[j] as number) + 0.5 * ((p[j] as number) - (b[j] as number));
      values[idx] = evaluate(p);
    }
  }
  let bestIdx = 0;
  for (let i = 1; i <= n; i++) if ((values[i] as number) < (values[bestIdx] as number)) bestIdx = i;
  return { x: points[bestIdx] as Float64Array, value: values[bestIdx] as number, evaluations };
}
