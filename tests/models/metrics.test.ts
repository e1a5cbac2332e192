import { describe, expect, it } from 'vitest';
import {
  accuracy,
  expectedCalibrationError,
  fprAtThreshold,
  prAuc,
  prCurve,
  precisionAtThreshold,
  recallAtFpr,
  recallAtThreshold,
  rocAuc,
  rocCurve,
  thresholdForFpr,
} from '../../models/metrics.js';

describe('ROC-AUC and PR-AUC', () => {
  it("when given scikit-learn's documented example → roc_auc_score 0.75 and average_precision_score 0.8333", () => {
    const y = [0, 0, 1, 1];
    const s = [0.1, 0.4, 0.35, 0.8];
    expect(rocAuc(y, s)).toBeCloseTo(0.75, 12);
    expect(prAuc(y, s)).toBeCloseTo(0.8333333333333333, 12);
  });

  it('when scores tie across classes → each tied pair counts one half (Mann–Whitney) and AP groups the tie', () => {
    // pos 0.5 beats neg 0.1 (1) and ties neg 0.5 (½); pos 0.9 beats both (2): 3.5 / 4.
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.5, 0.5, 0.9])).toBeCloseTo(0.875, 12);
    // thresholds 0.9: P 1, R ½; 0.5: P ⅔, R 1 → ½·1 + ½·⅔
    expect(prAuc([0, 0, 1, 1], [0.1, 0.5, 0.5, 0.9])).toBeCloseTo(5 / 6, 12);
    expect(rocAuc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
    expect(prAuc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
  });

  it('when ranking is perfect or reversed → 1 and 0', () => {
    expect(rocAuc([0, 0, 1], [1, 2, 3])).toBe(1);
    expect(rocAuc([0, 0, 1], [3, 2, 1])).toBe(0);
    expect(prAuc([0, 0, 1], [1, 2, 3])).toBe(1);
  });

  it('when negatives carry weight w → the same as repeating each negative w times', () => {
    const y = [1, 0, 1, 0, 0, 1, 0];
    const s = [0.9, 0.8, 0.7, 0.6, 0.6, 0.3, 0.2];
    const w = y.map((v) => (v === 1 ? 1 : 3));
    const yRep: number[] = [];
    const sRep: number[] = [];
    y.forEach((v, i) => {
      for (let k = 0; k < (v === 1 ? 1 : 3); k++) {
        yRep.push(v);
        sRep.push(s[i] as number);
      }
    });
    expect(prAuc(y, s, w)).toBeCloseTo(prAuc(yRep, sRep), 12);
    expect(rocAuc(y, s, w)).toBeCloseTo(rocAuc(yRep, sRep), 12);
    // Hand: thresholds .9 (P 1, R ⅓), .8, .7 (2/(2+3), R ⅔), .6, .3 (3/(3+9), R 1)
    expect(prAuc(y, s, w)).toBeCloseTo((1 / 3) * 1 + (1 / 3) * (2 / 5) + (1 / 3) * (3 / 12), 12);
  });

  it('when one class is missing → NaN rather than a misleading number', () => {
    expect(rocAuc([1, 1], [0.2, 0.4])).toBeNaN();
    expect(prAuc([0, 0], [0.2, 0.4])).toBeNaN();
  });
});

describe('curves', () => {
  it('when drawn → ROC runs from (0,0) to (1,1) and PR starts at recall 0, precision 1 and ends at recall 1', () => {
    const y = [0, 0, 1, 1];
    const s = [0.1, 0.4, 0.35, 0.8];
    expect(rocCurve(y, s)).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
    expect(prCurve(y, s)).toEqual([
      [0, 1],
      [0.5, 1],
      [0.5, 0.5],
      [1, 2 / 3],
      [1, 0.5],
    ]);
  });

  it('when the curve has many points → at most maxPoints survive, with both ends', () => {
    const n = 5000;
    const y = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 1 : 0));
    const s = Array.from({ length: n }, (_, i) => Math.sin(i) + (i % 7 === 0 ? 0.5 : 0));
    const roc = rocCurve(y, s, { maxPoints: 50 });
    expect(roc.length).toBeLessThanOrEqual(50);
    expect(roc[0]).toEqual([0, 0]);
    expect(roc[roc.length - 1]).toEqual([1, 1]);
  });
});

describe('thresholds', () => {
  // 10 negatives at 0.0 … 0.9, 4 positives at 0.95, 0.85, 0.55, 0.05
  const y = [...Array.from({ length: 10 }, () => 0), 1, 1, 1, 1];
  const s = [...Array.from({ length: 10 }, (_, i) => i / 10), 0.95, 0.85, 0.55, 0.05];

  it('when a target FPR is asked → the lowest threshold whose FPR stays at or below it', () => {
    expect(thresholdForFpr(y, s, 0.1)).toBe(0.85); // flags neg 0.9 only: FPR 0.1
    expect(fprAtThreshold(y, s, 0.85)).toBeCloseTo(0.1, 12);
    expect(recallAtThreshold(y, s, 0.85)).toBe(0.5);
    expect(recallAtFpr(y, s, 0.1)).toBe(0.5);
    expect(thresholdForFpr(y, s, 0.3)).toBe(0.7); // negs 0.7 0.8 0.9; 0.6 would make it 0.4
    expect(recallAtFpr(y, s, 0.3)).toBe(0.5);
    expect(thresholdForFpr(y, s, 0.4)).toBe(0.55);
    expect(recallAtFpr(y, s, 0.4)).toBe(0.75);
    expect(precisionAtThreshold(y, s, 0.55)).toBe(3 / 7);
  });

  it('when even the top score is a negative and the target is 0 → a threshold just above it that flags nothing', () => {
    const t = thresholdForFpr([0, 1], [0.9, 0.5], 0);
    expect(t).toBeGreaterThan(0.9);
    expect(t).toBeLessThan(0.9000001);
    expect(precisionAtThreshold([0, 1], [0.9, 0.5], t)).toBe(0);
    expect(recallAtFpr([0, 1], [0.9, 0.5], 0)).toBe(0);
  });

  it('when accuracy is taken at 0.5 → the share of right calls', () => {
    expect(accuracy([0, 0, 1, 1], [0.1, 0.6, 0.7, 0.4])).toBe(0.5);
  });
});

describe('expected calibration error', () => {
  it('when probabilities match the label rate in every bin → 0', () => {
    expect(expectedCalibrationError([0, 1, 0, 1, 1], [0.5, 0.5, 0.5, 0.5, 1])).toBeCloseTo(0, 12);
  });

  it('when bins are off → the row-weighted mean of |label rate − mean probability|', () => {
    // bin [0.1,0.2): p 0.1, 0.1 with labels 0, 0 → |0 − 0.1| = 0.1 (weight ½)
    // bin [0.9,1]:   p 0.9, 1.0 with labels 1, 0 → |0.5 − 0.95| = 0.45 (weight ½)
    expect(expectedCalibrationError([0, 0, 1, 0], [0.1, 0.1, 0.9, 1])).toBeCloseTo(0.275, 12);
  });
});
