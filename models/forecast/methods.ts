// The forecasting methods kosh offers, behind one signature: fit on the history, forecast `horizon` steps.
import { bestCandidate, type EtsModel, etsForecast, etsPointForecast, type Forecast, selectEts } from './ets.js';
import { fitTheta, thetaForecast } from './theta.js';

export type MethodName = 'ets' | 'damped' | 'theta' | 'combination' | 'snaive' | 'select';

export interface MethodForecast extends Forecast {
  readonly method: MethodName;
  /** The model actually used, e.g. `ETS(M,Ad,M)` or `mean(ETS(A,N,A), Theta)`. */
  readonly model: string;
}

export interface ForecastOptions {
  readonly seed?: number;
  /** Sample paths for simulated intervals (multiplicative ETS). */
  readonly paths?: number;
  /** Skip intervals where only points are needed (the M3 / tourism evaluation). */
  readonly pointsOnly?: boolean;
}

/** The methods run by default. */
export const METHOD_NAMES: readonly MethodName[] = ['ets', 'damped', 'theta', 'combination', 'snaive'];
/** Every method `kosh forecast evaluate` knows: also `select`, which needs the whole collection (`select.ts`). */
export const ALL_METHOD_NAMES: readonly MethodName[] = [...METHOD_NAMES, 'select'];

const emptyBands = (horizon: number): Pick<Forecast, 'lower' | 'upper'> => {
  const nan = new Array<number>(horizon).fill(Number.NaN);
  return { lower: { '80': nan, '95': nan }, upper: { '80': nan, '95': nan } };
};

/** Seasonal naive: the value one season earlier (the tourism competition's benchmark). */
export function seasonalNaive(values: readonly number[], m: number, horizon: number): MethodForecast {
  const n = values.length;
  const lag = m > 1 && n >= m ? m : 1;
  const mean = Array.from({ length: horizon }, (_, i) => values[n - lag + (i % lag)] as number);
  return { method: 'snaive', model: lag > 1 ? `seasonal naive (m=${lag})` : 'naive', mean, ...emptyBands(horizon) };
}

/**
 * Runs every requested method on one history. `ets` is the AICc choice among the admissible ETS forms,
 * `damped` the AICc choice among the damped-trend forms (from the same fits), and `combination` the
 * equal-weight mean of ets, damped and theta — points and interval bounds alike (for the bands a simple,
 * documented approximation: averaging quantiles of correlated forecasts).
 */
export function forecastAll(
  values: readonly number[],
  m: number,
  horizon: number,
  methods: readonly MethodName[] = METHOD_NAMES,
  options: ForecastOptions = {},
): Map<MethodName, MethodForecast> {
  const out = new Map<MethodName, MethodForecast>();
  const needEts = methods.some((x) => x === 'ets' || x === 'damped' || x === 'combination');
  const needTheta = methods.includes('theta') || methods.includes('combination');
  const etsOf = (method: 'ets' | 'damped', model: EtsModel): MethodForecast => {
    const f =
      options.pointsOnly === true
        ? { mean: etsPointForecast(model, horizon), ...emptyBands(horizon) }
        : etsForecast(model, horizon, { seed: options.seed ?? 42, paths: options.paths ?? 2000 });
    return { method, model: model.name, ...f };
  };
  let ets: MethodForecast | null = null;
  let damped: MethodForecast | null = null;
  if (needEts) {
    const selection = selectEts(values, m);
    ets = etsOf('ets', selection.model);
    const d = bestCandidate(selection, (s) => s.trend === 'Ad');
    damped = d === null ? { ...ets, method: 'damped' } : etsOf('damped', d);
  }
  const theta = needTheta
    ? (() => {
        const model = fitTheta(values, m);
        return { method: 'theta' as const, model: model.name, ...thetaForecast(model, horizon) };
      })()
    : null;
  if (ets !== null && methods.includes('ets')) out.set('ets', ets);
  if (damped !== null && methods.includes('damped')) out.set('damped', damped);
  if (theta !== null && methods.includes('theta')) out.set('theta', theta);
  if (ets !== null && damped !== null && theta !== null && methods.includes('combination')) {
    const parts = [ets, damped, theta];
    const avg = (pick: (f: MethodForecast) => readonly number[]) =>
      Array.from({ length: horizon }, (_, i) => parts.reduce((a, f) => a + (pick(f)[i] as number), 0) / parts.length);
    out.set('combination', {
      method: 'combination',
      model: `mean(${ets.model}, ${damped.model}, ${theta.model})`,
      mean: avg((f) => f.mean),
      lower: { '80': avg((f) => f.lower['80']), '95': avg((f) => f.lower['95']) },
      upper: { '80': avg((f) => f.upper['80']), '95': avg((f) => f.upper['95']) },
    });
  }
  if (methods.includes('snaive')) out.set('snaive', seasonalNaive(values, m, horizon));
  return out;
}
