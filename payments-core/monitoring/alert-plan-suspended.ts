import type { Sql } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { ALERT_RULES, describeVerdict, judge } from './alert-rules.js';
import { INSERT_ALERT_EVENT, RAISE_ALERT, SUSPENDED_PLANS } from './repository.js';
import { DEFAULT_ALERT_SETTINGS } from './types.js';

/**
 * Records the `installment_plans_suspended` alert in the caller's transaction, the one that suspended the plan: opened
 * if none is open, else brought up to date with the count. The evaluate-alerts job escalates it and resolves it once
 * no plan is suspended; the Slack post goes out from that job.
 */
export async function alertPlanSuspended(
  tx: Sql,
  event: { planId: string; installmentId: string; reason: string | null; at: Date },
): Promise<{ alertId: string; opened: boolean }> {
  const rule = ALERT_RULES.find((r) => r.name === 'installment_plans_suspended');
  if (rule === undefined) throw new Error('the installment_plans_suspended alert rule is missing');
  const n = (await tx.one<{ n: number }>(SUSPENDED_PLANS))?.n ?? 0;
  const detail = `${n} suspended; latest ${event.planId} (installment ${event.installmentId} dead-lettered: ${event.reason ?? 'unknown'})`;
  const verdict = judge(rule, { value: n, samples: n, detail }, DEFAULT_ALERT_SETTINGS);
  const severity = verdict.severity ?? 'warning';
  const raised = await tx.one<{ id: string; severity: string; opened: boolean }>(RAISE_ALERT, {
    id: newId('alrt'),
    rule: rule.name,
    severity,
    value: n,
    threshold: verdict.threshold ?? rule.warning,
    samples: n,
    window_seconds: 0,
    summary: describeVerdict(verdict, DEFAULT_ALERT_SETTINGS.windowMs),
    at: event.at,
  });
  if (raised === undefined) throw new Error('raising the alert returned no row');
  if (raised.opened) {
    await tx.run(INSERT_ALERT_EVENT, {
      alert_id: raised.id,
      kind: 'opened',
      severity,
      value: n,
      samples: n,
      at: event.at,
    });
  }
  return { alertId: raised.id, opened: raised.opened };
}
