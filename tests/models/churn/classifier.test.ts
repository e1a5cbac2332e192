import { describe, expect, it } from 'vitest';
import { ChurnClassifier, trainChurnClassifier } from '../../../models/churn/classifier.js';
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

  it('when the tfjs candidate trains twice with one seed → the same model', async () => {
    const train = synthetic(300, 8);
    const validation = synthetic(150, 9);
    const a = await trainChurnClassifier(train, validation, { seed: 3, featureNames: names, candidates: ['tfjs_mlp'] });
    const b = await trainChurnClassifier(train, validation, { seed: 3, featureNames: names, candidates: ['tfjs_mlp'] });
    expect(a.classifier.algorithm).toBe('tfjs_mlp');
    const row = Float64Array.from([30, 2, 0.1]);
    expect(a.classifier.probability(row)).toBe(b.classifier.probability(row));
    expect(a.metrics.rocAuc).toBeGreaterThan(0.7);
  }, 300_000);
});
