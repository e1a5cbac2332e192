import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bootstrapInterval, evaluateFraudTest, splitTrainCalibrationTest } from '../../models/evaluation-protocol.js';
import { rocAuc } from '../../models/metrics.js';
import { seededRandom } from '../../platform/random.js';

const TO = new Date('2026-11-28T00:00:00Z');

/** A standard normal draw (Box–Muller) from a seeded stream. */
const normal = (random: () => number) => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

/** Φ, the standard normal distribution function (Abramowitz–Stegun 7.1.26 through erf). */
function phi(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf =
    1 -
    t *
      (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
      Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

describe('evaluation protocol', () => {
  it('when rows are split by time → no test row is in train or calibration, and every window follows the one before', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 10, maxLength: 300 }),
        fc.double({ min: 0.05, max: 0.4, noNaN: true }),
        fc.double({ min: 0.05, max: 0.4, noNaN: true }),
        (minutes, calibrationShare, testShare) => {
          // Many ties in time: the cut must still not put one instant's rows on both sides out of order.
          const at = minutes.map((m) => new Date(TO.getTime() - 3_600_000 + m * 60_000));
          const ids = minutes.map((_, i) => `pay_${String(i).padStart(4, '0')}`);
          const split = splitTrainCalibrationTest({ at, ids }, { calibration: calibrationShare, test: testShare }, TO);
          const all = [...split.train, ...split.calibration, ...split.test];
          expect(new Set(all).size).toBe(ids.length);
          expect(all.length).toBe(ids.length);
          const test = new Set(split.test);
          for (const i of [...split.train, ...split.calibration]) expect(test.has(i)).toBe(false);
          const calibration = new Set(split.calibration);
          for (const i of split.train) expect(calibration.has(i)).toBe(false);
          const key = (i: number) => [(at[i] as Date).getTime(), ids[i] as string] as const;
          const earlier = (a: number, b: number) => {
            const [ta, ia] = key(a);
            const [tb, ib] = key(b);
            return ta < tb || (ta === tb && ia < ib);
          };
          const lastTrain = split.train[split.train.length - 1];
          const firstCalibration = split.calibration[0];
          const lastCalibration = split.calibration[split.calibration.length - 1];
          const firstTest = split.test[0];
          if (lastTrain !== undefined && firstCalibration !== undefined)
            expect(earlier(lastTrain, firstCalibration)).toBe(true);
          if (lastCalibration !== undefined && firstTest !== undefined)
            expect(earlier(lastCalibration, firstTest)).toBe(true);
          if (firstTest !== undefined) expect(split.testFrom).toEqual(at[firstTest]);
          expect(split.test.length).toBe(Math.round(ids.length * testShare));
        },
      ),
      { seed: 18, numRuns: 200 },
    );
  });

  it('when 100 simulated datasets have a known ROC-AUC → at least 90 of their seeded 95 % intervals cover it', () => {
    // Scores of negatives ~ N(0,1), of positives ~ N(d,1): the true ROC-AUC is Φ(d / √2).
    const d = 1.2;
    const truth = phi(d / Math.SQRT2);
    const random = seededRandom(2026);
    let covered = 0;
    for (let k = 0; k < 100; k++) {
      const labels: number[] = [];
      const scores: number[] = [];
      for (let i = 0; i < 240; i++) {
        const positive = i < 40;
        labels.push(positive ? 1 : 0);
        scores.push(normal(random) + (positive ? d : 0));
      }
      const interval = bootstrapInterval(labels, scores, rocAuc, { resamples: 200, seed: k });
      expect(interval.lo).toBeLessThanOrEqual(interval.value);
      expect(interval.hi).toBeGreaterThanOrEqual(interval.value);
      if (interval.lo <= truth && truth <= interval.hi) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(90);
    expect(covered).toBeLessThanOrEqual(100);
  });

  it('when the same data is bootstrapped twice with a seed → the same interval', () => {
    const labels = [1, 0, 1, 0, 0, 1, 0, 0, 0, 0];
    const scores = [0.9, 0.1, 0.6, 0.7, 0.2, 0.8, 0.3, 0.4, 0.05, 0.5];
    expect(bootstrapInterval(labels, scores, rocAuc, { seed: 3 })).toEqual(
      bootstrapInterval(labels, scores, rocAuc, { seed: 3 }),
    );
  });

  it('when fraud is evaluated at a block threshold → counts, rupees and rates match the hand count', () => {
    const labels = [1, 1, 0, 0, 0, 0, 1, 0];
    const scores = [0.95, 0.4, 0.9, 0.1, 0.2, 0.3, 0.99, 0.05];
    const amounts = [500_000, 110_000, 110_000, 110_000, 90_000, 110_000, 250_000, 110_000];
    const e = evaluateFraudTest({ labels, scores, amounts }, 0.5, { resamples: 50 });
    expect(e).toMatchObject({
      rows: 8,
      frauds: 3,
      fraudsBlocked: 2,
      goodBlocked: 1,
      fraudPaiseBlocked: 750_000,
      goodPaiseBlocked: 110_000,
    });
    expect(e.recall.value).toBeCloseTo(2 / 3, 12);
    expect(e.precision.value).toBeCloseTo(2 / 3, 12);
    expect(e.blockRate.value).toBeCloseTo(3 / 8, 12);
    expect(e.goodBlockRate.value).toBeCloseTo(1 / 5, 12);
  });
});
