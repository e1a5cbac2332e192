import { describe, expect, it } from 'vitest';
import { offlineFraudFeatures } from '../../features/fraud/offline-features.js';
import {
  type HourRate,
  hourLine,
  NEW_IP,
  OWN,
  scoreAt,
  scoreEveryHour,
  seedAndTrainLiveDemo,
  TOUR,
} from './fraud-live-demo-support.js';
import { NOW, registryDeps } from './registry/support.js';

/**
 * Issue 18 §1 at night: the demo seeded and the first fraud model trained exactly as `npm start` does (seed 42, 20,000
 * payments, churn on, the dashboard demo), then ordinary ₹1,100 payments by 1,000 known parents scored live at every
 * IST hour (hh:30 of the coming day): on their own device, IP and saved method; from a new IP; and as the README tour
 * pays (a UPI intent: no saved method, no device id, the tour's IP, new to the parent).
 *
 * Bounds, every hour: fewer than 0.5 % blocked (the overall bound, held hour by hour: a parent paying at 05:30
 * must not be blocked more often than one paying at 19:30), and at most 5 % held for review (a review delays a meal
 * pack and costs an operator a look; with fraud at about 0.45 % of payments, holding more than one good parent in
 * twenty in any hour would bury the real cases).
 */
describe('the live demo fraud model, hour by hour', () => {
  it('ordinary ₹1,100 payments at each of the 24 IST hours, own device/IP/method, new IP, or as the README tour → < 0.5 % blocked and ≤ 5 % reviewed every hour; a new IP at 05:30 → none blocked', async () => {
    const deps = await registryDeps();
    try {
      const demo = await seedAndTrainLiveDemo(deps, { payments: 20_000 });
      const runs: Record<string, HourRate[]> = {
        own: scoreEveryHour(demo, OWN),
        new_ip: scoreEveryHour(demo, NEW_IP),
        tour: scoreEveryHour(demo, TOUR),
      };
      const newIpAt0530 = scoreAt(demo, NEW_IP, 5, 30);
      const tourAt0544 = scoreAt(demo, TOUR, 5, 44);

      // The overall bounds: every ordinary payment of the demo, scored by the live model.
      const set = await offlineFraudFeatures(deps, { to: NOW });
      const scores = demo.model.scoreMany(set.rows);
      let ordinary = 0;
      let ordinaryBlocked = 0;
      for (let i = 0; i < scores.length; i++) {
        if (set.labels[i] === 1) continue;
        ordinary++;
        if ((scores[i] as number) >= demo.block) ordinaryBlocked++;
      }
      console.log(
        JSON.stringify(
          {
            test: demo.registered.metrics['test'],
            thresholds: demo.registered.thresholds,
            ordinary_blocked: `${ordinaryBlocked}/${ordinary}`,
            parents: demo.parents.length,
            'hour blocked/held': Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, hourLine(v)])),
          },
          null,
          1,
        ),
      );

      expect(demo.parents.length).toBe(1000);
      const over = Object.entries(runs).flatMap(([payer, rates]) =>
        rates
          .filter((h) => !(h.block_rate < 0.005 && h.review_rate <= 0.05))
          .map((h) => `${payer} ${h.hour_ist}h: ${h.blocked} blocked, ${h.held} held of ${h.n}`),
      );
      expect(over).toEqual([]);
      expect(newIpAt0530.blocked).toBe(0);
      expect(tourAt0544.blocked).toBe(0);
      expect(Number(demo.registered.metrics['rocAuc'])).toBeGreaterThanOrEqual(0.95);
      expect(ordinaryBlocked / ordinary).toBeLessThan(0.005);
    } finally {
      await deps.close();
    }
  }, 120_000);
});
