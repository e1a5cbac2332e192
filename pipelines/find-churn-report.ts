import type { Db } from '../platform/db.js';
import { notFound } from '../platform/errors.js';
import type { ObjectStore } from '../platform/objects.js';
import type { ChurnReportSummary } from './churn-report.js';
import { describeDriver } from './churn-revenue.js';

const LATEST_REPORT = `SELECT id, report_date, as_of, model_id, customers, at_risk, revenue_at_risk_minor, currency,
  mean_probability, ltv, summary, csv_key, parquet_key, html_key, created_at
  FROM churn_reports ORDER BY report_date DESC LIMIT 1`;
/** Names are read from customers and schools (payments-core's, read only) so the answer names people. */
const TOP_SCORES = `SELECT s.rank, s.customer_id, c.name AS customer_name, s.school_id, sc.name AS school_name, s.plan,
    s.probability, s.drivers, s.monthly_revenue_minor, s.revenue_at_risk_minor, s.p_alive, s.expected_orders_30d,
    s.clv_minor, s.probability_change_7d
  FROM churn_scores s LEFT JOIN customers c ON c.id = s.customer_id LEFT JOIN schools sc ON sc.id = s.school_id
  WHERE s.report_id = $id ORDER BY s.rank LIMIT $limit`;
const CUSTOMER_SCORE = `SELECT r.report_date, r.model_id, s.rank, s.customer_id, c.name AS customer_name, s.school_id,
    sc.name AS school_name, s.plan, s.probability, s.drivers, s.monthly_revenue_minor, s.revenue_at_risk_minor,
    s.p_alive, s.expected_orders_30d, s.clv_minor, s.probability_change_7d
  FROM churn_scores s JOIN churn_reports r ON r.id = s.report_id
    LEFT JOIN customers c ON c.id = s.customer_id LEFT JOIN schools sc ON sc.id = s.school_id
  WHERE s.customer_id = $customer_id ORDER BY r.report_date DESC LIMIT 8`;
const LATEST_FILES = 'SELECT report_date, csv_key, html_key FROM churn_reports ORDER BY report_date DESC LIMIT 1';

const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : (v ?? null));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toScore(r: Record<string, unknown>) {
  const drivers = json(r['drivers']) as { feature: string; contribution: number; value: number }[];
  return {
    rank: Number(r['rank']),
    customer_id: String(r['customer_id']),
    customer_name: String(r['customer_name'] ?? r['customer_id']),
    school_id: String(r['school_id']),
    school_name: String(r['school_name'] ?? r['school_id']),
    plan: String(r['plan']),
    probability: Number(r['probability']),
    drivers,
    reasons: drivers.map(describeDriver),
    monthly_revenue_minor: Number(r['monthly_revenue_minor']),
    revenue_at_risk_minor: Number(r['revenue_at_risk_minor']),
    p_alive: num(r['p_alive']),
    expected_orders_30d: num(r['expected_orders_30d']),
    clv_minor: num(r['clv_minor']),
    probability_change_7d: num(r['probability_change_7d']),
  };
}

/** The newest churn report with its `limit` customers of most revenue at risk; 404 before the first report. */
export async function getLatestChurnReport(deps: { db: Db }, input: { limit?: number | undefined } = {}) {
  const r = await deps.db.one(LATEST_REPORT);
  if (r === undefined) throw notFound('churn_report', 'latest');
  const customers = await deps.db.all(TOP_SCORES, { id: r['id'], limit: input.limit ?? 50 });
  return {
    object: 'churn_report' as const,
    id: String(r['id']),
    report_date: String(r['report_date']),
    as_of: new Date(r['as_of'] as Date),
    model: String(r['model_id']),
    customers: Number(r['customers']),
    at_risk: Number(r['at_risk']),
    revenue_at_risk_minor: Number(r['revenue_at_risk_minor']),
    currency: 'INR' as const,
    mean_probability: Number(r['mean_probability']),
    ltv: json(r['ltv']) as Record<string, unknown> | null,
    summary: json(r['summary']) as ChurnReportSummary,
    files: {
      bucket: 'analytics' as const,
      csv: String(r['csv_key']),
      parquet: String(r['parquet_key']),
      html: String(r['html_key']),
    },
    top: customers.map(toScore),
    created_at: new Date(r['created_at'] as Date),
  };
}

/** A customer's latest churn score with its history over the last reports; 404 when no report scored them. */
export async function getCustomerChurn(deps: { db: Db }, customerId: string) {
  const rows = await deps.db.all(CUSTOMER_SCORE, { customer_id: customerId });
  const latest = rows[0];
  if (latest === undefined) throw notFound('customer_churn', customerId);
  return {
    object: 'customer_churn' as const,
    report_date: String(latest['report_date']),
    model: String(latest['model_id']),
    ...toScore(latest),
    history: rows.map((r) => ({ report_date: String(r['report_date']), probability: Number(r['probability']) })),
  };
}

/** The newest report's file to download: the ranked list as CSV, or the self-contained HTML page. */
export async function getLatestChurnReportFile(
  deps: { db: Db; objects: ObjectStore },
  format: 'csv' | 'html',
): Promise<{ body: string; contentType: string; filename: string }> {
  const r = await deps.db.one(LATEST_FILES);
  if (r === undefined) throw notFound('churn_report', 'latest');
  const key = String(format === 'csv' ? r['csv_key'] : r['html_key']);
  const bytes = await deps.objects.get('analytics', key);
  if (bytes === null) throw notFound('churn_report_file', key);
  return {
    body: Buffer.from(bytes).toString('utf8'),
    contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'text/html; charset=utf-8',
    filename: `churn-report-${String(r['report_date'])}.${format}`,
  };
}
