import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import type { Log } from '../../platform/log.js';
import { queueReview } from './reviews.js';
import type { FraudScorer } from './scorer.js';

interface Attempt {
  readonly id: string;
  readonly customer_id: string;
  readonly school_id: string;
  readonly amount: number;
  readonly method: string;
  readonly method_fingerprint: string | null;
  readonly device_id: string | null;
  readonly ip: string | null;
  readonly at: Date;
}

/**
 * The scorer as payment creation's `paymentRisk` (structurally payments-core's `PaymentRisk`; models/ does
 * not import payments-core): screen → scorer decision, attempts and failures → online features, held → review.
 */
export function paymentRiskFrom(deps: { db: Db; clock: Clock; log: Log }, scorer: FraudScorer) {
  return {
    screen: async (a: Attempt) => {
      const d = await scorer.score(
        {
          id: a.id,
          customer_id: a.customer_id,
          school_id: a.school_id,
          amount: a.amount,
          method_fingerprint: a.method_fingerprint,
          device_id: a.device_id,
          ip: a.ip,
          method: a.method,
          at: a.at,
        },
        'payment',
      );
      return { decision: d.decision, decision_id: d.id, score: d.score, reasons: d.reasons, rule_hits: d.rule_hits };
    },
    onAttempt: (a: Attempt) => {
      try {
        scorer.record({
          id: a.id,
          customer_id: a.customer_id,
          school_id: a.school_id,
          amount: a.amount,
          method_fingerprint: a.method_fingerprint,
          device_id: a.device_id,
          ip: a.ip,
          at: a.at,
        });
      } catch (err) {
        deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'fraud features: record failed');
      }
    },
    onFailure: (paymentId: string, at: Date) => {
      try {
        scorer.recordFailure(paymentId, at);
      } catch (err) {
        deps.log.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'fraud features: failure not recorded',
        );
      }
    },
    onHeld: async (payment: { id: string; customer_id: string; amount: number }, verdict: { decision_id: string }) =>
      queueReview(deps, {
        payment_id: payment.id,
        decision_id: verdict.decision_id,
        customer_id: payment.customer_id,
        amount: payment.amount,
      }),
  };
}
