import { describe, expect, it } from 'vitest';
import {
  ALL_SPECS,
  applyEts,
  type EtsSpec,
  etsForecast,
  etsPointForecast,
  fitEts,
  inadmissibleReason,
  normalSampler,
  selectEts,
} from '../../../models/forecast/ets.js';

const ANN: EtsSpec = { error: 'A', trend: 'N', season: 'N' };
const AAN: EtsSpec = { error: 'A', trend: 'A', season: 'N' };

describe('ETS recursions', () => {
  it('when SES runs on a hand series → the levels of l_t = l_{t-1} + α(y_t − l_{t-1})', () => {
    // α = 0.5, ℓ0 = 10: 10 → 11 → 9.5 → 9.75
    const r = applyEts([12, 8, 10], ANN, 1, { alpha: 0.5 }, { level: 10, trend: 0, seasonal: [] });
    expect(r.level).toBeCloseTo(9.75, 12);
    expect(r.sse).toBeCloseTo(2 ** 2 + 3 ** 2 + 0.5 ** 2, 12);
  });

  it("when Holt's linear method runs on a hand series → level, trend and forecasts by hand", () => {
    // α = 0.5, β = 0.1 (β* = β/α = 0.2), ℓ0 = 10, b0 = 1:
    // t1: ŷ = 11, ℓ = 11.5, b = 1 + 0.2(11.5 − 10 − 1) = 1.1; t2: ŷ = 12.6, ℓ = 12.8, b = 1.1 + 0.2(12.8 − 11.5 − 1.1) = 1.14
    const r = applyEts([12, 13], AAN, 1, { alpha: 0.5, beta: 0.1 }, { level: 10, trend: 1, seasonal: [] });
    expect(r.level).toBeCloseTo(12.8, 12);
    expect(r.trend).toBeCloseTo(1.14, 12);
  });

  it('when additive Holt-Winters runs one season → the seasonal state moves by γ·e', () => {
    // m = 2, ℓ0 = 10, s = [+1, −1], α = 0.2, γ = 0.1; y1 = 13: ŷ = 11, e = 2, ℓ = 10.4, s0 = 1.2
    const r = applyEts(
      [13],
      { error: 'A', trend: 'N', season: 'A' },
      2,
      { alpha: 0.2, gamma: 0.1 },
      { level: 10, trend: 0, seasonal: [1, -1] },
    );
    expect(r.level).toBeCloseTo(10.4, 12);
    expect(r.seasonal[0]).toBeCloseTo(1.2, 12);
    expect(r.seasonal[1]).toBe(-1);
  });

  it('when a damped trend forecasts → ℓ + (φ + … + φ^h)·b', () => {
    const y = Array.from({ length: 40 }, (_, t) => 100 + 3 * t + 2 * Math.sin(t));
    const model = fitEts(y, { error: 'A', trend: 'Ad', season: 'N' }, 1);
    expect(model).not.toBeNull();
    const m = model!;
    const f = etsPointForecast(m, 3);
    const phi = m.phi;
    expect(f[2]).toBeCloseTo(m.final.level + (phi + phi ** 2 + phi ** 3) * m.final.trend, 9);
    expect(phi).toBeGreaterThanOrEqual(0.8);
    expect(phi).toBeLessThanOrEqual(0.98);
  });
});

describe('ETS fitting', () => {
  it('when SES is fitted → α is a local optimum of the likelihood and the level tracks the series', () => {
    const normal = normalSampler(3);
    let level = 50;
    const y = Array.from({ length: 80 }, () => {
      level += 0.6 * normal();
      return level + normal();
    });
    const m = fitEts(y, ANN, 1)!;
    const sseAt = (alpha: number) =>
      applyEts(y, ANN, 1, { alpha }, { level: m.initial.level, trend: 0, seasonal: [] }).sse;
    const best = sseAt(m.alpha);
    expect(best).toBeLessThanOrEqual(sseAt(Math.min(0.9999, m.alpha * 1.2)) + 1e-9);
    expect(best).toBeLessThanOrEqual(sseAt(m.alpha * 0.8) + 1e-9);
    expect(m.alpha).toBeGreaterThan(0.1);
    expect(m.alpha).toBeLessThan(0.9);
  });

  it('when a series is a clean trend with season → AICc picks a trended seasonal model', () => {
    const y = Array.from({ length: 72 }, (_, t) => (200 + 2 * t) * (1 + 0.2 * Math.sin((2 * Math.PI * t) / 12)));
    const { model } = selectEts(y, 12);
    expect(model.spec.trend).not.toBe('N');
    expect(model.spec.season).not.toBe('N');
    const f = etsPointForecast(model, 12);
    const truth = Array.from(
      { length: 12 },
      (_, h) => (200 + 2 * (72 + h)) * (1 + 0.2 * Math.sin((2 * Math.PI * (72 + h)) / 12)),
    );
    f.forEach((v, i) => {
      expect(Math.abs(v - (truth[i] as number)) / (truth[i] as number)).toBeLessThan(0.03);
    });
  });
});

describe('ETS selection guards', () => {
  it('when the data has zeros or negatives → no multiplicative component is even fitted', () => {
    const y = Array.from({ length: 48 }, (_, t) => 5 * Math.sin((2 * Math.PI * t) / 12) + (t % 5) - 2);
    const { model, candidates } = selectEts(y, 12);
    expect(model.spec.error).toBe('A');
    expect(model.spec.season).not.toBe('M');
    expect(candidates.every((c) => !/ETS\(M|,M\)/.test(c.name))).toBe(true);
  });

  it('when positive data are very noisy → the guarded choice is admissible though the AICc-best is not', () => {
    // log-normal noise with σ = 1.5: multiplicative-error models win on AICc (the Σ log|ŷ| term rewards them),
    // but their relative innovation variance is thousands: forecasts of such a model are meaningless
    const normal = normalSampler(2);
    const y = Array.from({ length: 60 }, () => 10 * Math.exp(1.5 * normal()));
    const unguarded = selectEts(y, 1, { unguarded: true, checkHorizon: 24 });
    expect(unguarded.model.spec.error).toBe('M');
    expect(unguarded.model.sigma2).toBeGreaterThan(100);
    expect(inadmissibleReason(unguarded.model, y, 24)).toBe('forecast_variance_explodes');
    const guarded = selectEts(y, 1, { checkHorizon: 24 });
    expect(inadmissibleReason(guarded.model, y, 24)).toBeNull();
    expect(guarded.model.aicc).toBeGreaterThan(unguarded.model.aicc);
    for (const c of guarded.candidates) if (c.rejected !== null) expect(c.name).not.toBe(guarded.model.name);
  });

  it('when a positive series collapses → multiplicative models forecasting below zero are refused', () => {
    const y = [...Array.from({ length: 40 }, (_, t) => 100 + (t % 4)), 90, 80, 70, 60, 50, 40, 30, 20, 10, 5];
    const { model, candidates } = selectEts(y, 12, { checkHorizon: 24 });
    expect(candidates.some((c) => c.rejected === 'non_positive_multiplicative_forecast')).toBe(true);
    expect(inadmissibleReason(model, y, 24)).toBeNull();
  });

  it('when every candidate of a real-looking series is fitted → each one chosen or not respects the parameter region', () => {
    const normal = normalSampler(11);
    const y = Array.from(
      { length: 60 },
      (_, t) => 1000 + 5 * t + 80 * Math.sin((2 * Math.PI * t) / 12) + 20 * normal(),
    );
    for (const spec of ALL_SPECS) {
      if (spec.error === 'A' && spec.season === 'M') continue;
      const m = fitEts(y, spec, 12);
      if (m === null) continue;
      expect(m.alpha).toBeGreaterThan(0);
      expect(m.alpha).toBeLessThan(1);
      if (spec.trend !== 'N') expect(m.beta).toBeLessThan(m.alpha);
      if (spec.season !== 'N') expect(m.gamma).toBeLessThan(1 - m.alpha);
    }
  });
});

describe('ETS prediction intervals', () => {
  const simulateCoverage = (spec: EtsSpec, seed: number) => {
    const normal = normalSampler(seed);
    let in80 = 0;
    let in95 = 0;
    let total = 0;
    for (let k = 0; k < 120; k++) {
      // simulate the model itself: ℓ_t = ℓ_{t-1} + α e_t (+ multiplicative error when M)
      let level = 100;
      const alpha = 0.3;
      const sigma = spec.error === 'M' ? 0.05 : 5;
      const y: number[] = [];
      for (let t = 0; t < 66; t++) {
        const e = sigma * normal();
        const v = spec.error === 'M' ? level * (1 + e) : level + e;
        y.push(v);
        level = spec.error === 'M' ? level * (1 + alpha * e) : level + alpha * e;
      }
      const train = y.slice(0, 60);
      const test = y.slice(60);
      const m = fitEts(train, spec, 1)!;
      const f = etsForecast(m, 6, { seed: k, paths: 1000 });
      test.forEach((v, i) => {
        total++;
        if (v >= (f.lower['80'][i] as number) && v <= (f.upper['80'][i] as number)) in80++;
        if (v >= (f.lower['95'][i] as number) && v <= (f.upper['95'][i] as number)) in95++;
      });
    }
    return { c80: in80 / total, c95: in95 / total };
  };

  it('when data come from ETS(A,N,N) → analytical 80 % / 95 % intervals cover about 80 % / 95 %', () => {
    const { c80, c95 } = simulateCoverage(ANN, 5);
    expect(c80).toBeGreaterThan(0.72);
    expect(c80).toBeLessThan(0.88);
    expect(c95).toBeGreaterThan(0.9);
  });

  it('when data come from ETS(M,N,N) → simulated intervals cover about 80 % / 95 %', () => {
    const { c80, c95 } = simulateCoverage({ error: 'M', trend: 'N', season: 'N' }, 9);
    expect(c80).toBeGreaterThan(0.72);
    expect(c80).toBeLessThan(0.88);
    expect(c95).toBeGreaterThan(0.9);
  });

  it('when the same seed is given twice → simulated intervals repeat exactly', () => {
    const y = Array.from({ length: 36 }, (_, t) => 50 + t + 5 * Math.sin(t));
    const m = fitEts(y, { error: 'M', trend: 'A', season: 'N' }, 1)!;
    expect(etsForecast(m, 5, { seed: 4 })).toEqual(etsForecast(m, 5, { seed: 4 }));
  });
});
