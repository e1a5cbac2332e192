// Forecast accuracy measures as the M3 and tourism competitions define them.

/** sMAPE of Makridakis & Hibon (2000) per point: 200·|x − f| / (|x| + |f|) (0 when both are 0). */
export function smapeTerms(actual: readonly number[], forecast: readonly number[]): number[] {
  return actual.map((x, i) => {
    const f = forecast[i] as number;
    const d = Math.abs(x) + Math.abs(f);
    return d === 0 ? 0 : (200 * Math.abs(x - f)) / d;
  });
}

/** APE per point: 100·|x − f| / |x| (NaN when x = 0, which the averages skip). */
export function apeTerms(actual: readonly number[], forecast: readonly number[]): number[] {
  return actual.map((x, i) => (x === 0 ? Number.NaN : (100 * Math.abs(x - (forecast[i] as number))) / Math.abs(x)));
}

/** In-sample MASE scale of Hyndman & Koehler (2006): mean |y_t − y_{t−m}| (lag 1 when the series is too short). */
export function maseScale(insample: readonly number[], m: number): number {
  const lag = insample.length > m ? m : 1;
  let s = 0;
  let c = 0;
  for (let t = lag; t < insample.length; t++) {
    s += Math.abs((insample[t] as number) - (insample[t - lag] as number));
    c++;
  }
  return c === 0 ? Number.NaN : s / c;
}

/** Scaled absolute errors |x − f| / scale per point. */
export function maseTerms(actual: readonly number[], forecast: readonly number[], scale: number): number[] {
  return actual.map((x, i) => Math.abs(x - (forecast[i] as number)) / scale);
}

/** Share of actual values inside [lower, upper]. */
export function coverage(actual: readonly number[], lower: readonly number[], upper: readonly number[]): number {
  let inside = 0;
  actual.forEach((x, i) => {
    if (x >= (lower[i] as number) && x <= (upper[i] as number)) inside++;
  });
  return actual.length === 0 ? Number.NaN : inside / actual.length;
}

/** Mean of the finite values. */
export function finiteMean(values: readonly number[]): number {
  let s = 0;
  let c = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      s += v;
      c++;
    }
  }
  return c === 0 ? Number.NaN : s / c;
}
