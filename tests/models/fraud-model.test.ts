import { describe, expect, it, vi } from 'vitest';
import { fitLogistic, linear, sigmoid } from '../../models/fraud/calibration.js';
import { seededRandom } from '../../models/fraud/forest-data.js';
import { DEFAULT_GBT_PARAMS } from '../../models/fraud/gbt.js';
import { anomalyScore, trainIsolationForest } from '../../models/fraud/isolation-forest.js';
import {
  explainFraudScore,
  FRAUD_ALGORITHM,
  type FraudModel,
  loadFraudModel,
  REVIEW_MIN_SCORE,
  trainFraudModel,
} from '../../models/fraud/model.js';

const NAMES = Array.from({ length: 10 }, (_, i) => `x${i}`);

/** Synthetic attempts: fraud when a nonlinear mix of x0, x1, x2 is high; x3 … x9 are noise. */
function synthetic(n: number, seed: number, fraudShift = 0): { rows: Float64Array[]; labels: Uint8Array } {
  const random = seededRandom(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const rows: Float64Array[] = [];
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const row = Float64Array.from(NAMES, () => gauss());
    const z = 2.2 * row[0]! + 1.5 * row[1]! * row[1]! - 1.8 * (row[2]! > 0.5 ? 1 : 0) - 4 + fraudShift;
    labels[i] = random() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    rows.push(row);
  }
  return { rows, labels };
}

const options = { seed: 7, featureNames: NAMES, featureSetVersion: 'fraud-v1' } as const;
const small = { gbt: { ...DEFAULT_GBT_PARAMS, trees: 60, learningRate: 0.1, maxDepth: 4, maxBins: 64 } };

describe('trainFraudModel', () => {
  const train = synthetic(4000, 1);
  const validation = synthetic(1500, 2);
  const trained = trainFraudModel(train, validation, { ...options, params: small });

  it('when trained on a learnable signal → high validation ROC-AUC, calibrated probabilities and sane metrics', async () => {
    const { model, metrics } = await trained;
    expect(model.kind).toBe('fraud');
    expect(model.algorithm).toBe(FRAUD_ALGORITHM);
    expect(model.featureNames).toEqual(NAMES);
    expect(metrics.rocAuc).toBeGreaterThan(0.85);
    expect(metrics.prAuc).toBeGreaterThan(0.4);
    expect(metrics.calibrationError).toBeLessThan(0.05);
    expect(metrics.trainRows).toBe(4000);
    expect(metrics.validationRows).toBe(1500);
    expect(metrics.roc.length).toBeLessThanOrEqual(200);
    expect(metrics.roc[0]).toEqual([0, 0]);
    expect(
      metrics.featureImportance
        .slice(0, 3)
        .map((f) => f.feature)
        .sort(),
    ).toEqual(['x0', 'x1', 'x2']);
    const total = metrics.featureImportance.reduce((a, f) => a + f.importance, 0);
    expect(total).toBeCloseTo(1, 9);
    for (const s of model.scoreMany(validation.rows)) expect(s >= 0 && s <= 1).toBe(true);
  });

  it('when thresholds are chosen → block FPR ≤ 0.5 %, review FPR ≤ 3 %, review ≤ block, with their recall', async () => {
    const { model, thresholds, metrics } = await trained;
    expect(thresholds.blockFpr).toBeLessThanOrEqual(0.005);
    expect(thresholds.reviewFpr).toBeLessThanOrEqual(0.03);
    expect(thresholds.review).toBeLessThanOrEqual(thresholds.block);
    expect(thresholds.review).toBeGreaterThanOrEqual(REVIEW_MIN_SCORE);
    expect(thresholds.reviewRecall).toBeGreaterThanOrEqual(thresholds.blockRecall);
    expect(thresholds.blockRecall).toBeGreaterThan(0.1);
    expect(metrics.recallAtHalfPercentFpr).toBe(thresholds.blockRecall);
    expect(metrics.precisionAtBlock).toBeGreaterThan(0.5);
    expect(model.serialize().params['thresholds']).toMatchObject({
      review: thresholds.review,
      block: thresholds.block,
    });
  });

  it('when trained twice with the same seed → the same bytes and scores; another seed → different trees', async () => {
    const again = await trainFraudModel(train, validation, { ...options, params: small });
    const { model } = await trained;
    expect(Buffer.from(again.model.serialize().artifact).equals(Buffer.from(model.serialize().artifact))).toBe(true);
    const other = await trainFraudModel(train, validation, { ...options, seed: 8, params: small });
    expect(Buffer.from(other.model.serialize().artifact).equals(Buffer.from(model.serialize().artifact))).toBe(false);
  });

  it('when serialized and loaded in a fresh module instance → every score and reason is bit-identical', async () => {
    const { model } = await trained;
    const { params, artifact } = model.serialize();
    const json = JSON.parse(JSON.stringify(params)) as Record<string, unknown>;
    vi.resetModules();
    const fresh = (await import('../../models/fraud/model.js')) as typeof import('../../models/fraud/model.js');
    const loaded: FraudModel = fresh.loadFraudModel(
      { kind: 'fraud', featureSetVersion: 'fraud-v1' },
      {
        algorithm: model.algorithm,
        featureSetVersion: model.featureSetVersion,
        params: json,
        artifact: Uint8Array.from(artifact),
      },
    );
    const probe = synthetic(3000, 3);
    const a = model.scoreMany(probe.rows);
    const b = loaded.scoreMany(probe.rows);
    for (let i = 0; i < a.length; i++) expect(Object.is(a[i], b[i])).toBe(true);
    for (const row of probe.rows.slice(0, 50)) {
      expect(Object.is(loaded.score(row), model.score(row))).toBe(true);
      expect(loaded.reasons(row)).toEqual(model.reasons(row));
    }
    expect(loaded.featureNames).toEqual(NAMES);
  });

  it('when loaded with a wrong kind, algorithm, feature-set version or damaged bytes → it refuses', async () => {
    const { model } = await trained;
    const { params, artifact } = model.serialize();
    const good = { algorithm: model.algorithm, featureSetVersion: 'fraud-v1', params, artifact };
    const expected = { kind: 'fraud', featureSetVersion: 'fraud-v1' } as const;
    expect(() => loadFraudModel(expected, good)).not.toThrow();
    expect(() => loadFraudModel(expected, { ...good, params: { ...params, kind: 'churn' } })).toThrow(
      /not a fraud model/,
    );
    expect(() => loadFraudModel(expected, { ...good, algorithm: 'tfjs_autoencoder' })).toThrow(/unsupported/);
    expect(() => loadFraudModel(expected, { ...good, featureSetVersion: 'fraud-v0' })).toThrow(/feature set fraud-v0/);
    expect(() => loadFraudModel({ kind: 'fraud', featureSetVersion: 'fraud-v2' }, good)).toThrow(/expected fraud-v2/);
    expect(() => loadFraudModel(expected, { ...good, artifact: artifact.subarray(0, artifact.length - 16) })).toThrow(
      /truncated/,
    );
    expect(() => loadFraudModel(expected, { ...good, artifact: new Uint8Array(64) })).toThrow(/not a kosh fraud model/);
  });

  it('when a row is explained → bias + Σ contributions = logit(score), and reasons are the largest, deterministic', async () => {
    const { model } = await trained;
    for (const row of synthetic(200, 4).rows) {
      const { bias, contributions } = explainFraudScore(model, row);
      const p = model.score(row);
      const sum = contributions.reduce((a, c) => a + c, bias);
      expect(sum).toBeCloseTo(Math.log(p / (1 - p)), 8);
      const reasons = model.reasons(row, 3);
      expect(reasons.length).toBeLessThanOrEqual(3);
      const largest = Math.max(...Array.from(contributions, Math.abs));
      expect(Math.abs(reasons[0]!.contribution)).toBe(largest);
      for (let k = 1; k < reasons.length; k++)
        expect(Math.abs(reasons[k - 1]!.contribution)).toBeGreaterThanOrEqual(Math.abs(reasons[k]!.contribution));
      expect(reasons[0]!.value).toBe(row[NAMES.indexOf(reasons[0]!.feature)]);
      expect(model.reasons(row, 3)).toEqual(reasons);
    }
    // A clear fraud is explained by the features that make it one.
    const fraud = Float64Array.from(NAMES, (_, i) => (i === 0 ? 3 : i === 1 ? 2.5 : 0));
    expect(model.score(fraud)).toBeGreaterThan(0.8);
    expect(['x0', 'x1']).toContain(model.reasons(fraud, 1)[0]!.feature);
  });

  it('when a feature is missing (NaN) → the row still gets a probability, the same one every time', async () => {
    const { model } = await trained;
    const row = Float64Array.from(NAMES, (_, i) => (i === 0 ? Number.NaN : 0.3));
    const p = model.score(row);
    expect(p >= 0 && p <= 1).toBe(true);
    expect(model.score(row)).toBe(p);
    expect(model.reasons(row).every((r) => Number.isFinite(r.contribution))).toBe(true);
  });

  it('when a row has the wrong length → it refuses to score it', async () => {
    const { model } = await trained;
    expect(() => model.score(new Float64Array(3))).toThrow(/expected 10/);
  });

  it('when frauds are rare (~0.4 %, ~18 in validation) → the calibrator stays finite and scores vary', async () => {
    const big = synthetic(16000, 5, -9.5);
    const val = synthetic(4000, 6, -9.5);
    const fraudsTrain = big.labels.reduce((a, y) => a + y, 0);
    const fraudsVal = val.labels.reduce((a, y) => a + y, 0);
    expect(fraudsTrain).toBeLessThan(120);
    expect(fraudsVal).toBeLessThan(30);
    const { model, thresholds, metrics } = await trainFraudModel(big, val, { ...options, params: small });
    const cal = model.serialize().params['calibration'] as Record<string, number>;
    for (const k of ['intercept', 'supervised', 'anomaly']) expect(Math.abs(cal[k]!)).toBeLessThan(100);
    expect(metrics.rocAuc).toBeGreaterThan(0.8);
    expect(thresholds.block).toBeGreaterThan(1e-6);
    const scores = model.scoreMany(val.rows);
    expect(new Set(scores).size).toBeGreaterThan(100);
  });

  it('when a class is missing → a clear error', async () => {
    const none = { rows: train.rows.slice(0, 10), labels: new Uint8Array(10) };
    await expect(trainFraudModel(none, validation, options)).rejects.toThrow(/both fraud and legitimate/);
  });
});

describe('isolation forest', () => {
  it('when a point lies far from the rest → it scores as more anomalous, the same on every run', () => {
    const { rows } = synthetic(2000, 9);
    const a = trainIsolationForest(rows, { trees: 100, sampleSize: 256 }, 3);
    const b = trainIsolationForest(rows, { trees: 100, sampleSize: 256 }, 3);
    const outlier = Float64Array.from(NAMES, () => 6);
    const typical = new Float64Array(NAMES.length);
    expect(anomalyScore(a, outlier)).toBeGreaterThan(0.6);
    expect(anomalyScore(a, typical)).toBeLessThan(0.5);
    expect(anomalyScore(b, outlier)).toBe(anomalyScore(a, outlier));
  });
});

describe('logistic calibrator', () => {
  it('when the classes are perfectly separable → coefficients stay finite and the fit still ranks them', () => {
    const rows = [[-3], [-2], [-1], [-0.5], [0.5], [1], [2], [3]];
    const labels = [0, 0, 0, 0, 1, 1, 1, 1];
    const m = fitLogistic(rows, labels, { l2: 1 });
    expect(Number.isFinite(m.intercept) && Number.isFinite(m.coef[0]!)).toBe(true);
    expect(Math.abs(m.coef[0]!)).toBeLessThan(20);
    expect(sigmoid(linear(m, [2]))).toBeGreaterThan(0.8);
    expect(sigmoid(linear(m, [-2]))).toBeLessThan(0.2);
  });

  it('when the data come from a logistic model → the fit recovers its coefficients', () => {
    const random = seededRandom(11);
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 20000; i++) {
      const x = [random() * 4 - 2, random() * 4 - 2];
      rows.push(x);
      labels.push(random() < sigmoid(-1 + 2 * x[0]! - 0.5 * x[1]!) ? 1 : 0);
    }
    const m = fitLogistic(rows, labels, { l2: 1e-6 });
    expect(m.intercept).toBeCloseTo(-1, 0);
    expect(m.coef[0]).toBeCloseTo(2, 0);
    expect(m.coef[1]).toBeCloseTo(-0.5, 0);
  });
});
