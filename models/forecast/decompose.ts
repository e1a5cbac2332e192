// Classical decomposition (R's `decompose`), the sample autocorrelation and the seasonality test of the
// Theta method (Assimakopoulos & Nikolopoulos 2000, as in Hyndman's `thetaf`).

/** Sample autocorrelations r_1 … r_maxLag (biased estimator, as R's acf). */
export function acf(y: readonly number[], maxLag: number): number[] {
  const n = y.length;
  const mean = y.reduce((a, b) => a + b, 0) / n;
  let c0 = 0;
  for (const v of y) c0 += (v - mean) ** 2;
  const out: number[] = [];
  for (let k = 1; k <= maxLag; k++) {
    let c = 0;
    for (let t = k; t < n; t++) c += ((y[t] as number) - mean) * ((y[t - k] as number) - mean);
    out.push(c0 === 0 ? 0 : c / c0);
  }
  return out;
}

/**
 * The 90 % autocorrelation test: seasonal when |r_m| exceeds 1.645 times its standard error under
 * Bartlett's formula, sqrt((1 + 2 Σ_{k<m} r_k²) / n). Needs at least two full seasons.
 */
export function isSeasonal(y: readonly number[], m: number): boolean {
  if (m <= 1 || y.length < 2 * m) return false;
  const r = acf(y, m);
  let s = 0;
  for (let k = 0; k < m - 1; k++) s += (r[k] as number) ** 2;
  const se = Math.sqrt((1 + 2 * s) / y.length);
  return Math.abs(r[m - 1] as number) / se > 1.6448536269514722;
}

/**
 * Seasonal indices of a classical decomposition, one per position t mod m (t counted from the first
 * observation): centred moving average of order m (2×m for even m), the ratio (or difference) to it
 * averaged per position, normalised to mean 1 (or 0).
 */
export function seasonalIndices(y: readonly number[], m: number, type: 'additive' | 'multiplicative'): number[] {
  const n = y.length;
  const trend: (number | null)[] = new Array(n).fill(null);
  const half = Math.floor(m / 2);
  for (let t = half; t < n - half; t++) {
    let s = 0;
    if (m % 2 === 0) {
      s += 0.5 * (y[t - half] as number) + 0.5 * (y[t + half] as number);
      for (let k = -half + 1; k < half; k++) s += y[t + k] as number;
    } else {
      for (let k = -half; k <= half; k++) s += y[t + k] as number;
    }
    trend[t] = s / m;
  }
  const sums = new Array(m).fill(0);
  const counts = new Array(m).fill(0);
  for (let t = 0; t < n; t++) {
    const tr = trend[t];
    if (tr === null || tr === undefined) continue;
    const v = type === 'multiplicative' ? (y[t] as number) / tr : (y[t] as number) - tr;
    if (!Number.isFinite(v)) continue;
    sums[t % m] += v;
    counts[t % m]++;
  }
  const figure = sums.map((s, j) => (counts[j] > 0 ? s / counts[j] : type === 'multiplicative' ? 1 : 0));
  const mean = figure.reduce((a, b) => a + b, 0) / m;
  return figure.map((v) => (type === 'multiplicative' ? v / mean : v - mean));
}
