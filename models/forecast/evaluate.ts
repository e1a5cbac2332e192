// `kosh forecast evaluate`: forecasts every series of a held-out test set and scores the methods as the M3
// competition does (Makridakis & Hibon 2000): each measure is averaged over the series at every horizon,
// then over horizons 1..H. MASE scales by the in-sample mean absolute seasonal difference.
import { invalid } from '../../platform/errors.js';
import { siblingModule, startModuleWorker } from '../../platform/module-worker.js';
import type { SeriesValues } from './datasets.js';
import { forecastAll, METHOD_NAMES, type MethodName } from './methods.js';
import { apeTerms, finiteMean, maseScale, maseTerms, smapeTerms } from './metrics.js';
import {
  candidatesOf,
  pooledChoice,
  type SelectCandidate,
  type SelectMeasure,
  type ValidationErrors,
  validationErrors,
} from './select.js';

export interface SeriesForecasts {
  readonly id: string;
  /** Point forecasts per method. */
  readonly forecasts: Partial<Record<MethodName, number[]>>;
  readonly models: Partial<Record<MethodName, string>>;
  /** Milliseconds to fit and forecast, per method (the combination is ets + theta). */
  readonly fitMs: Partial<Record<MethodName, number>>;
  /** With `select`: every candidate's points and its errors on the validation origins inside the history. */
  readonly candidates?: Record<SelectCandidate, number[]>;
  readonly validation?: ValidationErrors;
}

/**
 * Forecasts a batch of series with every method (points only); used inline and by the worker threads. ETS and
 * damped ETS come from the same fits, so each is charged their shared time; the combination is charged
 * ETS + Theta.
 */
export function forecastBatch(
  series: readonly SeriesValues[],
  season: number,
  horizon: number,
  methods: readonly MethodName[],
): SeriesForecasts[] {
  return series.map((s) => {
    const forecasts: Partial<Record<MethodName, number[]>> = {};
    const models: Partial<Record<MethodName, string>> = {};
    const fitMs: Partial<Record<MethodName, number>> = {};
    const wantSelect = methods.includes('select');
    const wantEts = wantSelect || methods.some((m) => m === 'ets' || m === 'damped' || m === 'combination');
    const wantTheta = wantSelect || methods.includes('theta') || methods.includes('combination');
    const groups: [readonly MethodName[], boolean][] = [
      [['ets', 'damped'], wantEts],
      [['theta'], wantTheta],
      [['snaive'], methods.includes('snaive')],
    ];
    for (const [group, wanted] of groups) {
      if (!wanted) continue;
      const started = performance.now();
      const result = forecastAll(s.values, season, horizon, group, { pointsOnly: true });
      const ms = performance.now() - started;
      for (const [method, f] of result) {
        forecasts[method] = f.mean;
        models[method] = f.model;
        fitMs[method] = ms;
      }
    }
    if (methods.includes('combination') || wantSelect) {
      const parts = [forecasts.ets, forecasts.damped, forecasts.theta];
      if (parts.every((p) => p !== undefined)) {
        const ps = parts as number[][];
        forecasts.combination = Array.from(
          { length: horizon },
          (_, i) => ps.reduce((a, p) => a + (p[i] as number), 0) / 3,
        );
        models.combination = `mean(${models.ets}, ${models.damped}, ${models.theta})`;
        fitMs.combination = (fitMs.ets ?? 0) + (fitMs.theta ?? 0);
      }
    }
    let candidates: Record<SelectCandidate, number[]> | undefined;
    let validation: ValidationErrors | undefined;
    if (wantSelect && forecasts.ets !== undefined && forecasts.damped !== undefined && forecasts.theta !== undefined) {
      const started = performance.now();
      candidates = candidatesOf(forecasts.ets, forecasts.damped, forecasts.theta);
      validation = validationErrors(s.values, season, horizon);
      fitMs.select = performance.now() - started + (fitMs.ets ?? 0) + (fitMs.theta ?? 0);
    }
    for (const m of Object.keys(forecasts) as MethodName[]) {
      if (!methods.includes(m)) {
        delete forecasts[m];
        delete models[m];
        delete fitMs[m];
      }
    }
    return {
      id: s.id,
      forecasts,
      models,
      fitMs,
      ...(candidates === undefined || validation === undefined ? {} : { candidates, validation }),
    };
  });
}

export interface MethodScore {
  readonly method: MethodName;
  /** M3 protocol: mean over horizons 1..H of the mean over series. */
  readonly smape: number;
  readonly mase: number;
  readonly mape: number;
  /** Per horizon h = 1..H: mean sMAPE over the series. */
  readonly smapeByHorizon: number[];
  readonly fitMsPerSeries: { readonly mean: number; readonly median: number; readonly p95: number };
  /** How often each model was chosen (ETS forms, Theta seasonal or not). */
  readonly models: Record<string, number>;
}

export interface EvaluateForecastResult {
  readonly series: number;
  readonly horizon: number;
  readonly season: number;
  readonly workers: number;
  readonly wallMs: number;
  readonly methods: MethodScore[];
  /** With `select`: the measure, the candidate chosen and every candidate's mean validation error. */
  readonly selection?: { by: SelectMeasure; choice: SelectCandidate; validation: Record<string, number> };
}

export interface EvaluateForecastOptions {
  readonly horizon: number;
  readonly season: number;
  readonly methods?: readonly MethodName[];
  /** Worker threads (default 1 = inline). */
  readonly workers?: number;
  /** The measure `select` chooses by on the validation origins (default MASE; use the one the test reports). */
  readonly selectBy?: SelectMeasure;
  readonly onProgress?: (done: number, total: number) => void;
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))] ?? Number.NaN;
}

/** Scores forecasts against the test part (same series ids as the training part). */
export function scoreForecasts(
  train: readonly SeriesValues[],
  test: readonly SeriesValues[],
  results: readonly SeriesForecasts[],
  horizon: number,
  season: number,
  methods: readonly MethodName[],
): MethodScore[] {
  const trainById = new Map(train.map((s) => [s.id, s.values]));
  const resultById = new Map(results.map((r) => [r.id, r]));
  return methods.map((method) => {
    const byH = {
      smape: Array.from({ length: horizon }, () => [] as number[]),
      mase: Array.from({ length: horizon }, () => [] as number[]),
      mape: Array.from({ length: horizon }, () => [] as number[]),
    };
    const fitMs: number[] = [];
    const models: Record<string, number> = {};
    for (const t of test) {
      const r = resultById.get(t.id);
      const f = r?.forecasts[method];
      const insample = trainById.get(t.id);
      if (r === undefined || f === undefined || insample === undefined) continue;
      const actual = t.values.slice(0, horizon);
      const fc = f.slice(0, actual.length);
      const scale = maseScale(insample, season);
      const s = smapeTerms(actual, fc);
      const a = apeTerms(actual, fc);
      const q = maseTerms(actual, fc, scale);
      actual.forEach((_, h) => {
        byH.smape[h]?.push(s[h] as number);
        byH.mape[h]?.push(a[h] as number);
        byH.mase[h]?.push(q[h] as number);
      });
      fitMs.push(r.fitMs[method] ?? Number.NaN);
      const model = (r.models[method] ?? '?').replace(/^mean\((.*)\)$/, '$1');
      models[model] = (models[model] ?? 0) + 1;
    }
    const perH = (rows: number[][]) => rows.map((v) => finiteMean(v));
    const smapeByHorizon = perH(byH.smape);
    return {
      method,
      smape: finiteMean(smapeByHorizon),
      mase: finiteMean(perH(byH.mase)),
      mape: finiteMean(perH(byH.mape)),
      smapeByHorizon,
      fitMsPerSeries: {
        mean: finiteMean(fitMs),
        median: percentile(fitMs, 0.5),
        p95: percentile(fitMs, 0.95),
      },
      models,
    };
  });
}

function runWorker(
  series: readonly SeriesValues[],
  season: number,
  horizon: number,
  methods: readonly MethodName[],
  onDone: (n: number) => void,
): Promise<SeriesForecasts[]> {
  const worker = startModuleWorker(siblingModule(import.meta.url, 'evaluate-worker'), {
    workerData: { series, season, horizon, methods },
  });
  const out: SeriesForecasts[] = [];
  return new Promise((resolve, reject) => {
    worker.on('message', (msg: { type: 'result'; result: SeriesForecasts } | { type: 'done' }) => {
      if (msg.type === 'result') {
        out.push(msg.result);
        onDone(1);
      } else {
        void worker.terminate();
        resolve(out);
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code !== 0 && out.length < series.length) reject(new Error(`forecast worker exited with ${code}`));
    });
  });
}

/** Forecasts every training series `horizon` steps ahead and scores them on the test series. */
export async function evaluateForecasts(
  train: readonly SeriesValues[],
  test: readonly SeriesValues[],
  options: EvaluateForecastOptions,
): Promise<EvaluateForecastResult> {
  const { horizon, season } = options;
  if (!Number.isInteger(horizon) || horizon < 1)
    throw invalid('invalid_horizon', 'horizon must be a positive integer', [
      { field: 'horizon', code: 'invalid_horizon', message: 'positive integer' },
    ]);
  if (!Number.isInteger(season) || season < 1)
    throw invalid('invalid_season', 'season must be a positive integer', [
      { field: 'season', code: 'invalid_season', message: 'positive integer' },
    ]);
  const methods = options.methods ?? METHOD_NAMES;
  const testIds = new Set(test.map((s) => s.id));
  const todo = train.filter((s) => testIds.has(s.id));
  const workers = Math.max(1, Math.min(options.workers ?? 1, todo.length));
  const started = performance.now();
  let done = 0;
  const tick = (k: number) => {
    done += k;
    options.onProgress?.(done, todo.length);
  };
  let results: SeriesForecasts[];
  if (workers === 1) {
    results = [];
    for (const s of todo) {
      results.push(...forecastBatch([s], season, horizon, methods));
      tick(1);
    }
  } else {
    // interleave so that long and short series spread evenly over the workers
    const parts = Array.from({ length: workers }, (_, w) => todo.filter((_, i) => i % workers === w));
    results = (await Promise.all(parts.map((p) => runWorker(p, season, horizon, methods, tick)))).flat();
  }
  let selection: EvaluateForecastResult['selection'];
  if (methods.includes('select')) {
    const by = options.selectBy ?? 'mase';
    const { choice, scores } = pooledChoice(
      results.flatMap((r) => (r.validation === undefined ? [] : [r.validation])),
      by,
    );
    results = results.map((r) => {
      const f = r.candidates?.[choice];
      return f === undefined
        ? r
        : { ...r, forecasts: { ...r.forecasts, select: f }, models: { ...r.models, select: choice } };
    });
    selection = { by, choice, validation: scores };
  }
  return {
    series: todo.length,
    horizon,
    season,
    workers,
    ...(selection === undefined ? {} : { selection }),
    wallMs: performance.now() - started,
    methods: scoreForecasts(train, test, results, horizon, season, methods),
  };
}
