import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import type { JobSummary } from '../../platform/job.js';
import type { Log } from '../../platform/log.js';
import type { RequestLog } from '../../platform/metrics.js';
import { readRequestWindow, writeRequestLog } from '../../platform/request-counts.js';
import {
  ALERT_RULES,
  DISPUTE_DUE_WITHIN_MS,
  describeVerdict,
  judge,
  type Measurement,
  type Verdict,
} from './alert-rules.js';
import { type AlertNotice, notifyAlert } from './notify-alert.js';
import {
  CHURN_REPORT_FAILURES,
  DISPUTES_DUE,
  FRAUD_CHAMPION_REFERENCE,
  FRAUD_DECISIONS_IN_WINDOW,
  INSERT_ALERT,
  INSERT_ALERT_EVENT,
  LIVE_FRAUD_SCORES,
  OPEN_ALERTS,
  PAYMENT_OUTCOMES_IN_WINDOW,
  RESOLVE_ALERT,
  SUSPENDED_PLANS,
  UPDATE_OPEN_ALERT,
} from './repository.js';
import { populationStabilityIndex, scoreBinsOf } from './score-drift.js';
import { type Alert, type AlertRuleName, type AlertSettings, DEFAULT_ALERT_SETTINGS } from './types.js';

type Deps = {
  db: Db;
  clock: Clock;
  log: Log;
  /**
   * This process's API request log (serving/plugins/metrics.ts), written to the shared counts before they are read;
   * the other processes write theirs about once a second.
   */
  metrics?: { readonly requests: RequestLog } | undefined;
  alerting?: AlertSettings | undefined;
};

/** PSI of the fraud champion's live scores over the last 24 h against its test window's score deciles. */
async function measureScoreDrift(db: Db, now: Date): Promise<Measurement> {
  const champion = await db.one<{ id: string; metrics: unknown }>(FRAUD_CHAMPION_REFERENCE);
  const bins = champion === undefined ? null : scoreBinsOf(champion.metrics);
  if (champion === undefined || bins === null)
    return { value: null, samples: 0, detail: 'no fraud champion with a score reference' };
  const rows = await db.all<{ score: number }>(LIVE_FRAUD_SCORES, {
    since: new Date(now.getTime() - SCORE_DRIFT_WINDOW_MS),
    until: now,
    version: champion.id,
  });
  const live = rows.map((r) => Number(r.score));
  return {
    value: live.length === 0 ? null : populationStabilityIndex(bins, live),
    samples: live.length,
    detail: `${live.length} scores of ${champion.id} in the last 24 h against its test window`,
  };
}

/** Drift needs a day of scores to mean anything; the other rules look back over the alert window. */
const SCORE_DRIFT_WINDOW_MS = 24 * 3_600_000;

/** Measures every rule over the window ending at `now`. */
export async function measureAlertRules(deps: Deps, now: Date, settings: AlertSettings): Promise<Verdict[]> {
  const since = new Date(now.getTime() - settings.windowMs);
  const payments = await deps.db.one<{ finished: number; failed: number }>(PAYMENT_OUTCOMES_IN_WINDOW, {
    since,
    until: now,
  });
  const suspended = (await deps.db.one<{ n: number }>(SUSPENDED_PLANS))?.n ?? 0;
  const finished = payments?.finished ?? 0;
  const failed = payments?.failed ?? 0;
  // Every process's API requests, not only this one's: the job runs in whichever process holds its lease.
  if (deps.metrics !== undefined) await writeRequestLog(deps.db, deps.metrics.requests);
  const api = await readRequestWindow(deps.db, since, now);
  const decisions = await deps.db.one<{ decided: number; blocked: number }>(FRAUD_DECISIONS_IN_WINDOW, {
    since,
    until: now,
  });
  const decided = Number(decisions?.decided ?? 0);
  const blocked = Number(decisions?.blocked ?? 0);
  const churnFailures = await deps.db.one<{ n: number; last_failed_at: Date | null }>(CHURN_REPORT_FAILURES);
  const failedRuns = Number(churnFailures?.n ?? 0);
  const due = await deps.db.one<{ n: number; first_due: Date | null }>(DISPUTES_DUE, {
    until: new Date(now.getTime() + DISPUTE_DUE_WITHIN_MS),
  });
  const disputesDue = Number(due?.n ?? 0);
  const measured: Record<AlertRuleName, Measurement> = {
    payment_failure_rate: {
      value: finished === 0 ? null : failed / finished,
      samples: finished,
      detail: `${failed} of ${finished} payments failed`,
    },
    api_latency_p95: {
      value: api.p95Seconds,
      samples: api.requests,
      detail: `p95 of ${api.requests} requests`,
    },
    api_error_rate: {
      value: api.requests === 0 ? null : api.errors5xx / api.requests,
      samples: api.requests,
      detail: `${api.errors5xx} of ${api.requests} requests answered 5xx`,
    },
    installment_plans_suspended: {
      value: suspended,
      samples: suspended,
      detail: `${suspended} installment plans wait for a requeue of their dead-lettered retry or a cancel`,
    },
    fraud_block_rate: {
      value: decided === 0 ? null : blocked / decided,
      samples: decided,
      detail: `${blocked} of ${decided} fraud decisions blocked`,
    },
    fraud_score_drift: await measureScoreDrift(deps.db, now),
    churn_report_failed: {
      value: failedRuns,
      samples: failedRuns,
      detail:
        failedRuns === 0
          ? 'the last churn-report run succeeded (or none ran yet)'
          : `${failedRuns} churn-report runs failed since the last success (latest ${churnFailures?.last_failed_at === null || churnFailures?.last_failed_at === undefined ? '?' : new Date(churnFailures.last_failed_at).toISOString()}); the at-risk list is stale`,
    },
    disputes_due: {
      value: disputesDue,
      samples: disputesDue,
      detail:
        disputesDue === 0
          ? 'no open dispute is due within 24 h'
          : `${disputesDue} open disputes are due within 24 h (the first ${new Date(due?.first_due ?? now).toISOString()}): accept or contest them (GET /v1/disputes?status=open)`,
    },
  };
  return ALERT_RULES.map((rule) => judge(rule, measured[rule.name], settings));
}

/**
 * The `evaluate-alerts` job (every minute): judges each rule over the sliding window, then in one transaction
 * opens an alert for a rule that crossed a threshold and has none open, escalates or de-escalates the open
 * one, or resolves it when the rule is clear (or has too few samples to judge). Changes are posted to the
 * alert webhook after the commit; a failed post is logged, never fatal.
 */
export async function evaluateAlerts(deps: Deps, ctx: { now: Date }): Promise<JobSummary> {
  const settings = deps.alerting ?? DEFAULT_ALERT_SETTINGS;
  const verdicts = await measureAlertRules(deps, ctx.now, settings);
  const at = ctx.now;
  const counts = { opened: 0, escalated: 0, deescalated: 0, resolved: 0 };
  const notices = await deps.db.transaction(async (tx) => {
    const open = await tx.all<Alert>(OPEN_ALERTS);
    const out: AlertNotice[] = [];
    for (const v of verdicts) {
      const current = open.find((a) => a.rule === v.rule.name);
      const summary = describeVerdict(v, settings.windowMs);
      const value = v.measurement.value;
      if (v.severity === null || v.threshold === null || value === null) {
        if (current === undefined) continue;
        await tx.run(RESOLVE_ALERT, { id: current.id, at });
        await tx.run(INSERT_ALERT_EVENT, {
          alert_id: current.id,
          kind: 'resolved',
          severity: current.severity,
          value,
          samples: v.measurement.samples,
          at,
        });
        counts.resolved++;
        out.push({ kind: 'resolved', alertId: current.id, rule: v.rule.name, severity: current.severity, summary, at });
        continue;
      }
      const row = {
        severity: v.severity,
        value,
        threshold: v.threshold,
        samples: v.measurement.samples,
        summary,
        at,
      };
      if (current === undefined) {
        const id = newId('alrt');
        await tx.run(INSERT_ALERT, {
          id,
          rule: v.rule.name,
          window_seconds: Math.round(settings.windowMs / 1000),
          ...row,
        });
        await tx.run(INSERT_ALERT_EVENT, {
          alert_id: id,
          kind: 'opened',
          severity: v.severity,
          value,
          samples: row.samples,
          at,
        });
        counts.opened++;
        out.push({ kind: 'opened', alertId: id, rule: v.rule.name, severity: v.severity, summary, at });
        continue;
      }
      await tx.run(UPDATE_OPEN_ALERT, { id: current.id, ...row });
      if (current.severity === v.severity) continue;
      const kind = v.severity === 'critical' ? 'escalated' : 'deescalated';
      await tx.run(INSERT_ALERT_EVENT, {
        alert_id: current.id,
        kind,
        severity: v.severity,
        value,
        samples: row.samples,
        at,
      });
      counts[kind]++;
      // Escalation is news to whoever is on call; de-escalation waits for the resolve.
      if (kind === 'escalated') {
        out.push({ kind, alertId: current.id, rule: v.rule.name, severity: v.severity, summary, at });
      }
    }
    return out;
  });
  for (const n of notices) {
    const log = n.kind === 'resolved' ? deps.log.info.bind(deps.log) : deps.log.warn.bind(deps.log);
    log({ alert_id: n.alertId, rule: n.rule, severity: n.severity, change: n.kind }, `alert ${n.kind}: ${n.summary}`);
  }
  let posted = 0;
  if (settings.webhookUrl !== null) {
    for (const n of notices) if (await notifyAlert(deps, settings.webhookUrl, n)) posted++;
  }
  const openNow = await deps.db.all<{ id: string }>(OPEN_ALERTS);
  return { ...counts, open: openNow.length, posted };
}
