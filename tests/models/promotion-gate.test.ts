import { describe, expect, it } from 'vitest';
import {
  freshGateWindow,
  isRefusal,
  judgePromotion,
  type PromotionGate,
} from '../../models/registry/promotion-gate.js';
import { seededRandom } from '../../platform/random.js';

/**
 * A simulated dataset with a known answer: a latent risk decides the label; each "model" sees the latent plus its
 * own noise, so less noise ranks better. The true ROC-AUC gap between two noise levels is known to be positive.
 */
function simulate(n: number, seed: number, noise: readonly number[], fraudShare = 0.05) {
  const random = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const labels = new Uint8Array(n);
  const scores = noise.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const fraud = random() < fraudShare;
    labels[i] = fraud ? 1 : 0;
    const latent = (fraud ? 1.5 : 0) + gauss();
    noise.forEach((sd, m) => {
      (scores[m] as Float64Array)[i] = latent + sd * gauss();
    });
  }
  return { labels, scores };
}

const window = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-28T00:00:00Z') };
const judge = (labels: Uint8Array, challenger: Float64Array, champion: Float64Array) =>
  judgePromotion({ labels, challenger, champion, window }, { resamples: 300, seed: 7 });

describe('the fair promotion gate', () => {
  const { labels, scores } = simulate(6000, 11, [1, 0.3, 3]);
  const [champion, better, worse] = scores as [Float64Array, Float64Array, Float64Array];

  it('when a planted better challenger meets the champion on the same fresh rows → passes, the whole interval above zero', () => {
    const gate = judge(labels, better, champion) as PromotionGate;
    expect(isRefusal(gate)).toBe(false);
    expect(gate.passed).toBe(true);
    expect(gate.candidate).toBeGreaterThan(gate.champion);
    expect(gate.difference.lo).toBeGreaterThan(0);
    expect(gate.difference.value).toBeCloseTo(gate.candidate - gate.champion, 12);
  });

  it('when a planted worse challenger meets the champion → fails, the whole interval below zero', () => {
    const gate = judge(labels, worse, champion) as PromotionGate;
    expect(gate.passed).toBe(false);
    expect(gate.difference.hi).toBeLessThan(0);
    expect(gate.metric).toBe('roc_auc_difference');
  });

  it('when the challenger is the champion (an honest equal) → passes with a zero difference', () => {
    const gate = judge(labels, champion, champion) as PromotionGate;
    expect(gate.passed).toBe(true);
    expect(gate.difference).toEqual({ value: 0, lo: 0, hi: 0 });
  });

  it('when the challenger is barely worse, within noise → not worse within the interval: passes', () => {
    const { labels: y, scores: s } = simulate(3000, 5, [1, 1.05]);
    const gate = judge(y, s[1] as Float64Array, s[0] as Float64Array) as PromotionGate;
    expect(gate.difference.lo).toBeLessThan(0);
    expect(gate.difference.hi).toBeGreaterThanOrEqual(0);
    expect(gate.passed).toBe(true);
  });

  it('when the fresh window holds too few frauds → refuses to judge, saying how many it has', () => {
    const few = labels.slice(0, 120);
    const positives = few.reduce((a, b) => a + b, 0);
    expect(positives).toBeLessThan(10);
    const verdict = judge(few, better.slice(0, 120), champion.slice(0, 120));
    expect(isRefusal(verdict)).toBe(true);
    expect(verdict).toMatchObject({ refused: true, rows: 120, positives });
    expect((verdict as { reason: string }).reason).toContain(`${positives} positives`);
  });

  it("when the champion trained on data inside the challenger's test window → the fresh window starts where the champion's data ended", () => {
    const challenger = {
      validation_from: new Date('2026-10-01T00:00:00Z'),
      train_to: new Date('2026-11-28T00:00:00Z'),
    };
    expect(freshGateWindow(challenger, { train_to: new Date('2026-10-20T00:00:00Z') })).toEqual({
      from: new Date('2026-10-20T00:00:00Z'),
      to: challenger.train_to,
    });
    expect(freshGateWindow(challenger, { train_to: new Date('2026-09-01T00:00:00Z') }).from).toEqual(
      challenger.validation_from,
    );
  });
});
