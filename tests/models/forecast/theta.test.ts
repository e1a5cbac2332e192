import { describe, expect, it } from 'vitest';
import { acf, isSeasonal, seasonalIndices } from '../../../models/forecast/decompose.js';
import { normalSampler } from '../../../models/forecast/ets.js';
import { apeTerms, coverage, maseScale, maseTerms, smapeTerms } from '../../../models/forecast/metrics.js';
import { fitTheta, thetaForecast } from '../../../models/forecast/theta.js';

describe('Theta', () => {
  it('when the series is a straight line → SES with drift extrapolates half the slope from the last value', () => {
    // y = 10 + 2t: SES tracks the line with α → 1, so ŷ_{n+h} = y_n + (b/2)·h = y_n + h
    const y = Array.from({ length: 30 }, (_, t) => 10 + 2 * t);
    const m = fitTheta(y, 1);
    expect(m.seasonal).toBe(false);
    expect(m.drift).toBeCloseTo(1, 12);
    const f = thetaForecast(m, 3).mean;
    const last = y[y.length - 1] as number;
    expect(f[0]).toBeCloseTo(last + 1 + (1 - m.ses.alpha) * 0, 0);
    expect(f[2]! - f[0]!).toBeCloseTo(2, 9);
  });

  it('when a monthly series has a strong season → it is seasonally adjusted and re-seasonalised', () => {
    const normal = normalSampler(1);
    const y = Array.from({ length: 72 }, (_, t) => 100 * (1 + 0.3 * Math.sin((2 * Math.PI * t) / 12)) + normal());
    const m = fitTheta(y, 12);
    expect(m.seasonal).toBe(true);
    const f = thetaForecast(m, 12).mean;
    // the forecast keeps the phase: peak at position 3 of the cycle, trough at 9
    const at = (t: number) => f[t - 72] as number;
    expect(at(75)).toBeGreaterThan(at(81) * 1.5);
  });

  it('when the data has zeros → additive seasonal indices are used', () => {
    const y = Array.from({ length: 48 }, (_, t) => (t % 12 === 0 ? 0 : 20 + 10 * Math.sin((2 * Math.PI * t) / 12)));
    const m = fitTheta(y, 12);
    expect(m.multiplicative).toBe(false);
    expect(thetaForecast(m, 12).mean.every(Number.isFinite)).toBe(true);
  });
});

describe('decomposition and the seasonality test', () => {
  it('when white noise is tested → not seasonal; a sine of period 12 → seasonal', () => {
    const normal = normalSampler(2);
    expect(
      isSeasonal(
        Array.from({ length: 96 }, () => normal()),
        12,
      ),
    ).toBe(false);
    expect(
      isSeasonal(
        Array.from({ length: 96 }, (_, t) => Math.sin((2 * Math.PI * t) / 12) + 0.2 * normal()),
        12,
      ),
    ).toBe(true);
  });

  it('when a series has period 4 → acf at lag 4 is high and the indices average to 1', () => {
    const y = Array.from({ length: 40 }, (_, t) => [2, 4, 6, 8][t % 4] as number);
    expect(acf(y, 4)[3]).toBeGreaterThan(0.8);
    const idx = seasonalIndices(y, 4, 'multiplicative');
    expect(idx.reduce((a, b) => a + b, 0) / 4).toBeCloseTo(1, 12);
    expect(idx[3]! / idx[0]!).toBeCloseTo(4, 6);
  });
});

describe('accuracy measures', () => {
  it('when computed on a hand example → sMAPE, APE, MASE and coverage match the formulas', () => {
    expect(smapeTerms([100, 50], [110, 50])).toEqual([(200 * 10) / 210, 0]);
    expect(apeTerms([100, 0], [110, 3])[0]).toBeCloseTo(10, 12);
    expect(Number.isNaN(apeTerms([100, 0], [110, 3])[1])).toBe(true);
    // in-sample |y_t − y_{t−2}| = 2, 2 → scale 2
    expect(maseScale([1, 5, 3, 7], 2)).toBe(2);
    expect(maseTerms([10], [7], 2)).toEqual([1.5]);
    expect(coverage([1, 2, 3, 4], [0, 0, 0, 5], [2, 2, 2, 6])).toBe(0.5);
  });
});
