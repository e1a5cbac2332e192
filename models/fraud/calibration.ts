/** Logistic regression by Newton's method (IRLS) with an L2 penalty: the calibrator and a model family. */

export interface Logistic {
  readonly intercept: number;
  readonly coef: Float64Array;
}

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
export const logit = (p: number): number => Math.log(p / (1 - p));

/** intercept + coef · x */
export function linear(model: Logistic, x: ArrayLike<number>): number {
  let z = model.intercept;
  const c = model.coef;
  for (let j = 0; j < c.length; j++) z += (c[j] as number) * (x[j] as number);
  return z;
}

/** Solves A x = b (A is d×d row-major, overwritten) by Gaussian elimination with partial pivoting. */
function solve(A: Float64Array, b: Float64Array, d: number): Float64Array {
  for (let c = 0; c < d; c++) {
    let piv = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(A[r * d + c] as number) > Math.abs(A[piv * d + c] as number)) piv = r;
    if (piv !== c) {
      for (let k = 0; k < d; k++) {
        const t = A[c * d + k] as number;
        A[c * d + k] = A[piv * d + k] as number;
        A[piv * d + k] = t;
      }
      const t = b[c] as number;
      b[c] = b[piv] as number;
      b[piv] = t;
    }
    const p = A[c * d + c] as number;
    if (Math.abs(p) < 1e-300) continue;
    for (let r = c + 1; r < d; r++) {
      const m = (A[r * d + c] as number) / p;
      if (m === 0) continue;
      for (let k = c; k < d; k++) A[r * d + k] = (A[r * d + k] as number) - m * (A[c * d + k] as number);
      b[r] = (b[r] as number) - m * (b[c] as number);
    }
  }
  const x = new Float64Array(d);
  for (let r = d - 1; r >= 0; r--) {
    let s = b[r] as number;
    for (let k = r + 1; k < d; k++) s -= (A[r * d + k] as number) * (x[k] as number);
    const p = A[r * d + r] as number;
    x[r] = Math.abs(p) < 1e-300 ? 0 : s / p;
  }
  return x;
}

/** Σ w · log-loss + l2/2 · |coef|² for standardized inputs, computed without overflow. */
function objective(
  xs: readonly Float64Array[],
  labels: ArrayLike<number>,
  weights: ArrayLike<number> | undefined,
  beta: Float64Array,
  l2: number,
): number {
  let f = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as Float64Array;
    let z = beta[0] as number;
    for (let j = 1; j < beta.length; j++) z += (beta[j] as number) * (x[j - 1] as number);
    const w = weights === undefined ? 1 : (weights[i] as number);
    // log(1 + e^z) − y z
    const softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    f += w * (softplus - (labels[i] === 1 ? z : 0));
  }
  for (let j = 1; j < beta.length; j++) f += (l2 / 2) * (beta[j] as number) ** 2;
  return f;
}

/**
 * Fits P(y = 1 | x) = σ(intercept + coef · x), minimizing the (weighted) log loss + l2/2 · |coef|² where the
 * penalty applies to the coefficients of the standardized inputs. Newton steps with a backtracking line
 * search, so it cannot run away on (nearly) separable data such as a handful of well-ranked frauds.
 * Deterministic.
 */
export function fitLogistic(
  rows: readonly ArrayLike<number>[],
  labels: ArrayLike<number>,
  options: { l2?: number; weights?: ArrayLike<number>; iterations?: number } = {},
): Logistic {
  const n = rows.length;
  const p = rows[0]?.length ?? 0;
  const d = p + 1;
  const l2 = options.l2 ?? 1;
  const weights = options.weights;
  let pos = 0;
  let tot = 0;
  const mean = new Float64Array(p);
  const sd = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const w = weights === undefined ? 1 : (weights[i] as number);
    pos += labels[i] === 1 ? w : 0;
    tot += w;
    const row = rows[i] as ArrayLike<number>;
    for (let j = 0; j < p; j++) mean[j] = (mean[j] as number) + w * (row[j] as number);
  }
  for (let j = 0; j < p; j++) mean[j] = tot === 0 ? 0 : (mean[j] as number) / tot;
  for (let i = 0; i < n; i++) {
    const w = weights === undefined ? 1 : (weights[i] as number);
    const row = rows[i] as ArrayLike<number>;
    for (let j = 0; j < p; j++) sd[j] = (sd[j] as number) + w * ((row[j] as number) - (mean[j] as number)) ** 2;
  }
  for (let j = 0; j < p; j++) {
    const s = tot === 0 ? 0 : Math.sqrt((sd[j] as number) / tot);
    sd[j] = s > 1e-12 ? s : 1;
  }
  const xs = rows.map((row) =>
    Float64Array.from({ length: p }, (_, j) => ((row[j] as number) - (mean[j] as number)) / (sd[j] as number)),
  );
  let beta = new Float64Array(d);
  const prior = Math.min(1 - 1e-6, Math.max(1e-6, tot === 0 ? 0.5 : pos / tot));
  beta[0] = logit(prior);
  let current = objective(xs, labels, weights, beta, l2);
  const H = new Float64Array(d * d);
  const g = new Float64Array(d);
  const x = new Float64Array(d);
  for (let it = 0; it < (options.iterations ?? 100); it++) {
    H.fill(0);
    g.fill(0);
    for (let i = 0; i < n; i++) {
      const row = xs[i] as Float64Array;
      x[0] = 1;
      for (let j = 1; j < d; j++) x[j] = row[j - 1] as number;
      let z = 0;
      for (let j = 0; j < d; j++) z += (beta[j] as number) * (x[j] as number);
      const q = sigmoid(z);
      const w = weights === undefined ? 1 : (weights[i] as number);
      const r = w * (q - (labels[i] === 1 ? 1 : 0));
      const h = w * Math.max(q * (1 - q), 1e-12);
      for (let a = 0; a < d; a++) {
        const xa = x[a] as number;
        g[a] = (g[a] as number) + r * xa;
        const ha = h * xa;
        for (let b = a; b < d; b++) H[a * d + b] = (H[a * d + b] as number) + ha * (x[b] as number);
      }
    }
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < a; b++) H[a * d + b] = H[b * d + a] as number;
      if (a > 0) {
        H[a * d + a] = (H[a * d + a] as number) + l2;
        g[a] = (g[a] as number) + l2 * (beta[a] as number);
      }
    }
    const step = solve(H, g, d);
    let t = 1;
    let next = beta;
    let value = current;
    for (let halvings = 0; halvings < 40; halvings++) {
      const candidate = beta.map((b, j) => b - t * (step[j] as number));
      const v = objective(xs, labels, weights, candidate, l2);
      if (v <= current) {
        next = candidate;
        value = v;
        break;
      }
      t /= 2;
    }
    const improvement = current - value;
    beta = next;
    current = value;
    if (improvement <= 1e-12 * Math.max(1, Math.abs(current))) break;
  }
  // Back to the raw inputs: coef_j = β_j / sd_j, intercept = β_0 − Σ β_j · mean_j / sd_j.
  const coef = new Float64Array(p);
  let intercept = beta[0] as number;
  for (let j = 0; j < p; j++) {
    coef[j] = (beta[j + 1] as number) / (sd[j] as number);
    intercept -= (coef[j] as number) * (mean[j] as number);
  }
  return { intercept, coef };
}
