import type { Sql } from '../platform/db.js';
import { notFound } from '../platform/errors.js';
import { AT_RISK } from './churn-report.js';

const LATEST = `SELECT id, report_date, model_id FROM churn_reports ORDER BY report_date DESC LIMIT 1`;

/** The latest report's scores grouped by school or plan, optionally of one school only. */
const SEGMENTS = `
SELECT s.{column} AS key, coalesce(min(n.name), s.{column}) AS name, count(*)::BIGINT AS customers,
       count(*) FILTER (WHERE s.probability >= $at_risk)::BIGINT AS at_risk,
       avg(s.probability) AS mean_probability, sum(s.revenue_at_risk_minor)::BIGINT AS revenue_at_risk_minor
FROM churn_scores s LEFT JOIN {names} n ON n.id = s.{column}
WHERE s.report_id = $id AND (CAST($school_id AS VARCHAR) IS NULL OR s.school_id = CAST($school_id AS VARCHAR))
GROUP BY s.{column} ORDER BY revenue_at_risk_minor DESC, key`;

export interface ChurnSegment {
  readonly key: string;
  /** The school's or plan's name (`meal_packs` for parents without a subscription). */
  readonly name: string;
  readonly customers: number;
  readonly at_risk: number;
  readonly mean_probability: number;
  readonly revenue_at_risk_minor: number;
}

export interface ChurnSegments {
  readonly object: 'churn_segments';
  readonly report_date: string;
  readonly model: string;
  readonly school_id: string | null;
  readonly customers: number;
  readonly at_risk: number;
  readonly revenue_at_risk_minor: number;
  readonly by_school: ChurnSegment[];
  readonly by_plan: ChurnSegment[];
}

/**
 * At-risk segments (probability ≥ 0.5) of the newest churn report by school and by plan, optionally of one school:
 * the same figures as the report's summary, recomputed from its scores so a school can be picked. 404 before the
 * first report.
 */
export async function findChurnSegments(
  deps: { db: Sql },
  query: { school_id?: string | undefined } = {},
): Promise<ChurnSegments> {
  const report = await deps.db.one<{ id: string; report_date: string; model_id: string }>(LATEST);
  if (report === undefined) throw notFound('churn_report', 'latest');
  const params = { id: report.id, at_risk: AT_RISK, school_id: query.school_id ?? null };
  const segments = (column: 'school_id' | 'plan') =>
    deps.db.all<ChurnSegment>(
      SEGMENTS.replaceAll('{column}', column).replace('{names}', column === 'plan' ? 'subscription_plans' : 'schools'),
      params,
    );
  const bySchool = await segments('school_id');
  const byPlan = await segments('plan');
  const sum = (k: 'customers' | 'at_risk' | 'revenue_at_risk_minor') => bySchool.reduce((s, r) => s + r[k], 0);
  return {
    object: 'churn_segments',
    report_date: String(report.report_date),
    model: String(report.model_id),
    school_id: query.school_id ?? null,
    customers: sum('customers'),
    at_risk: sum('at_risk'),
    revenue_at_risk_minor: sum('revenue_at_risk_minor'),
    by_school: bySchool,
    by_plan: byPlan,
  };
}
