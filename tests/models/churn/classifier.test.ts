import { describe, expect, it } from 'vitest';
import {
  type ChurnArtifact,
  ChurnClassifier,
  type Part,
  trainChurnClassifier,
} from '../../../models/churn/classifier.js';
import { seededRandom } from '../../../platform/random.js';

/** Churn rises with days since the last order and falls with orders; feature 2 is noise. */
function synthetic(n: number, seed: number) {
  const random = seededRandom(seed);
  const rows: Float64Array[] = [];
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const silence = random() * 60;
    const orders = Math.floor(random() * 10);
    const noise = random();
    const z = -2 + 0.08 * silence - 0.3 * orders;
    labels[i] = random() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    rows.push(Float64Array.from([silence, orders, noise]));
  }
  return { rows, labels };
}

describe('churn classifier', () => {
  const names = ['days_since_last_order', 'orders_30d', 'noise'];

  it('when trained on a learnable signal → ranks well, calibrated, and names the true drivers', async () => {
    const { classifier, metrics } = await trainChurnClassifier(synthetic(1500, 1), synthetic(600, 2), {
      seed: 7,
      featureNames: names,
      candidates: ['logistic_regression', 'ml_random_forest'],
    });
    expect(metrics.candidates.map((c) => c.algorithm)).toEqual(['logistic_regression', 'ml_random_forest']);
    expect(metrics.rocAuc).toBeGreaterThan(0.75);
    expect(Math.abs(metrics.baseRate - 0.3)).toBeLessThan(0.2);
    const risky = Float64Array.from([58, 0, 0.5]);
    const safe = Float64Array.from([1, 9, 0.5]);
    expect(classifier.probability(risky)).toBeGreaterThan(0.7);
    expect(classifier.probability(safe)).toBeLessThan(0.2);
    const drivers = classifier.drivers(risky, 2).map((d) => d.feature);
    expect(drivers).toContain('days_since_last_order');
    expect(drivers).not.toContain('noise');
  }, 120_000);

  it('when serialized and loaded → identical probabilities; a foreign artifact is refused', async () => {
    const { classifier } = await trainChurnClassifier(synthetic(400, 3), synthetic(200, 4), {
      seed: 1,
      featureNames: names,
      candidates: ['ml_random_forest'],
    });
    const again = ChurnClassifier.load(JSON.parse(JSON.stringify(classifier.serialize())));
    for (const row of synthetic(20, 5).rows) expect(again.probability(row)).toBe(classifier.probability(row));
    expect(() => ChurnClassifier.load({ ...classifier.serialize(), kind: 'fraud' as 'churn' })).toThrow(/not a churn/);
  }, 120_000);

  it('when the MLP candidate trains twice with one seed → the same model', async () => {
    const train = synthetic(300, 8);
    const validation = synthetic(150, 9);
    const a = await trainChurnClassifier(train, validation, { seed: 3, featureNames: names, candidates: ['mlp'] });
    const b = await trainChurnClassifier(train, validation, { seed: 3, featureNames: names, candidates: ['mlp'] });
    expect(a.classifier.algorithm).toBe('mlp');
    const row = Float64Array.from([30, 2, 0.1]);
    expect(a.classifier.probability(row)).toBe(b.classifier.probability(row));
    expect(a.metrics.rocAuc).toBeGreaterThan(0.7);
  }, 300_000);

  it('when the label is an interaction (churn when two signals agree) → the MLP learns what logistic regression cannot', async () => {
    const random = seededRandom(11);
    const part = (n: number): Part => {
      const rows: Float64Array[] = [];
      const labels = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const x = Float64Array.from([random() * 2 - 1, random() * 2 - 1, random() * 2 - 1]);
        rows.push(x);
        labels[i] = (x[0] as number) * (x[1] as number) > 0 ? 1 : 0;
      }
      return { rows, labels };
    };
    const train = part(2_000);
    const validation = part(500);
    const { metrics } = await trainChurnClassifier(train, validation, {
      seed: 5,
      featureNames: names,
      candidates: ['logistic_regression', 'mlp'],
    });
    const auc = Object.fromEntries(metrics.candidates.map((c) => [c.algorithm, c.rocAuc]));
    expect(auc.logistic_regression).toBeLessThan(0.6);
    expect(auc.mlp).toBeGreaterThan(0.9);
    expect(metrics.algorithm).toBe('mlp');
  }, 60_000);

  it("when an artifact was stored under the MLP's old name (tfjs_mlp) → it loads as mlp and scores the same", async () => {
    const { classifier } = await trainChurnClassifier(synthetic(300, 8), synthetic(150, 9), {
      seed: 3,
      featureNames: names,
      candidates: ['mlp'],
    });
    const old = { ...classifier.serialize(), algorithm: 'tfjs_mlp' as ChurnArtifact['algorithm'] };
    const loaded = ChurnClassifier.load(JSON.parse(JSON.stringify(old)));
    expect(loaded.algorithm).toBe('mlp');
    const row = Float64Array.from([30, 2, 0.1]);
    expect(loaded.probability(row)).toBe(classifier.probability(row));
  });
});
