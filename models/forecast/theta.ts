// The Theta method of Assimakopoulos & Nikolopoulos (2000) in the form shown by Hyndman & Billah (2003) to be
// simple exponential smoothing with drift: the seasonally adjusted series is forecast by SES (α and ℓ0 by
// maximum likelihood) plus half the slope b of a linear trend fitted to it,
//   ŷ_{n+h} = ℓ_n + (b/2)·((1 − (1 − α)^n)/α + h − 1),
// then re-seasonalised with the classical multiplicative indices when the 90 % autocorrelation test at lag m
// says the series is seasonal (as M3's THETA and forecast::thetaf do; additive indices when the data has
// zeros or negative values, where ratios are undefined).
import { isSeasonal, seasonalIndices } from './decompose.js';
import { type EtsModel, type Forecast, fitEts } from './ets.js';

export interface ThetaModel {
  readonly kind: 'theta';
  readonly name: string;
  readonly m: number;
  readonly n: number;
  readonly seasonal: boolean;
  readonly multiplicative: boolean;
  /** Seasonal indices by position t % m (empty when not seasonal). */
  readonly indices: readonly number[];
  readonly ses: EtsModel;
  readonly drift: number;
}

/** Fits the Theta method (θ = 0 and θ = 2 lines, equal weights). */
export function fitTheta(values: readonly number[], m: number): ThetaModel {
  const n = values.length;
  const seasonal = m > 1 && isSeasonal(values, m);
  // multiplicative indices as in the method; additive ones when the data has zeros or negatives
  const multiplicative = values.every((v) => v > 0);
  const indices = seasonal ? seasonalIndices(values, m, multiplicative ? 'multiplicative' : 'additive') : [];
  const adjusted = seasonal
    ? values.map((v, t) => (multiplicative ? v / (indices[t % m] as number) : v - (indices[t % m] as number)))
    : [...values];
  const ses = fitEts(adjusted, { error: 'A', trend: 'N', season: 'N' }, 1);
  if (ses === null) throw new Error('Theta: SES could not be fitted');
  // least-squares slope of the adjusted series on t = 0..n−1
  const tMean = (n - 1) / 2;
  const yMean = adjusted.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let t = 0; t < n; t++) {
    sxy += (t - tMean) * ((adjusted[t] as number) - yMean);
    sxx += (t - tMean) ** 2;
  }
  return {
    kind: 'theta',
    name: seasonal ? 'Theta (seasonally adjusted)' : 'Theta',
    m: seasonal ? m : 1,
    n,
    seasonal,
    multiplicative,
    indices,
    ses,
    drift: sxx === 0 ? 0 : sxy / sxx / 2,
  };
}

const Z80 = 1.2815515655446004;
const Z95 = 1.959963984540054;

/** Point forecasts with the SES intervals (σ²(1 + (h − 1)α²)), re-seasonalised like the points. */
export function thetaForecast(model: ThetaModel, horizon: number): Forecast {
  const alpha = Math.max(1e-10, model.ses.alpha);
  const level = model.ses.final.level;
  const start = (1 - (1 - alpha) ** model.n) / alpha;
  const mean: number[] = [];
  const lower = { '80': [] as number[], '95': [] as number[] };
  const upper = { '80': [] as number[], '95': [] as number[] };
  for (let h = 1; h <= horizon; h++) {
    const index = model.seasonal
      ? (model.indices[(model.n + h - 1) % model.m] as number)
      : model.multiplicative
        ? 1
        : 0;
    const f = level + model.drift * (h - 1 + start);
    const sd = Math.sqrt(model.ses.sigma2 * (1 + (h - 1) * alpha * alpha));
    const back = (v: number) => (model.multiplicative ? v * index : v + index);
    mean.push(back(f));
    lower['80'].push(back(f - Z80 * sd));
    upper['80'].push(back(f + Z80 * sd));
    lower['95'].push(back(f - Z95 * sd));
    upper['95'].push(back(f + Z95 * sd));
  }
  return { mean, lower, upper };
}
