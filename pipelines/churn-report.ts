import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { churnSnapshots } from '../features/churn/offline-features.js';
import { DEFAULT_LTV_SCORE_OPTIONS, fitLtvModel, type LtvModel, scoreCustomer } from '../models/ltv/ltv-model.js';
import { KOSH_PURCHASES, summarizeTransactions } from '../models/ltv/summarize-transactions.js';
import { loadChurnChampion } from '../models/registry/register-churn-model.js';
import { appendRows, type Columns } from '../platform/bulk.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { snapshotToDuckDb } from '../platform/duckdb-snapshot.js';
import { newId } from '../platform/ids.js';
import { istDate } from '../platform/ist.js';
import type { JobFn } from '../platform/job.js';
import type { Log } from '../platform/log.js';
import type { ObjectStore } from '../platform/objects.js';
import { renderChurnReportHtml } from './churn-report-html.js';
import {
  atRiskMinor,
  describeDriver,
  familyMonthlyRevenueMinor,
  type RevenueAtRisk,
  revenueAtRisk as sumRevenueAtRisk,
} from './churn-revenue.js';
import { trainChurn } from './train-churn.js';
import type { JobDeps } from './types.js';

export const AT_RISK = 0.5;

const DELETE_SCORES = `DELETE FROM churn_scores WHERE report_id IN (SELECT id FROM churn_reports WHERE report_date = $date)`;
const DELETE_REPORT = 'DELETE FROM churn_reports WHERE report_date = $date';
const INSERT_REPORT = `INSERT INTO churn_reports (id, report_date, as_of, model_id, customers, at_risk,
  revenue_at_risk_minor, currency, mean_probability, ltv, summary, csv_key, parquet_key, html_key, created_at)
  VALUES ($id, $report_date, $as_of, $model_id, $customers, $at_risk, $revenue_at_risk_minor, 'INR',
  $mean_probability, $ltv, $summary, $csv_key, $parquet_key, $html_key, $created_at)`;
/** The newest report at least 7 days older than this one: "last week". */
const PREVIOUS_REPORT = `SELECT id, report_date, customers, at_risk, revenue_at_risk_minor, mean_probability
  FROM churn_reports WHERE report_date <= $before ORDER BY report_date DESC LIMIT 1`;
const PREVIOUS_SCORES = 'SELECT customer_id, probability FROM churn_scores WHERE report_id = $id';
const SUMMARY_BY = `SELECT {column} AS key, count(*) AS customers,
    count(*) FILTER (WHERE probability >= $at_risk) AS at_risk,
    avg(probability) AS mean_probability, sum(revenue_at_risk_minor) AS revenue_at_risk_minor
  FROM churn_scores WHERE report_id = $id GROUP BY {column} ORDER BY revenue_at_risk_minor DESC, key`;
const HISTORY = `SELECT report_date, mean_probability, at_risk, revenue_at_risk_minor FROM churn_reports
  WHERE report_date <= $date ORDER BY report_date DESC LIMIT 12`;
/** DuckDB, on a snapshot of this report's rows of churn_scores. */
const COPY_PARQUET = `COPY (SELECT rank, customer_id, school_id, plan, probability, drivers, monthly_revenue_minor,
    revenue_at_risk_minor, p_alive, expected_orders_30d, clv_minor, probability_change_7d
  FROM churn_scores WHERE report_id = $id ORDER BY rank) TO '{file}' (FORMAT parquet)`;

/** Read only: the names of families and schools (owned by payments-core), so the report names people, not ids. */
const CUSTOMER_NAMES = 'SELECT id, name FROM customers';
const SCHOOL_NAMES = 'SELECT id, name FROM schools';

async function namesOf(db: Db): Promise<{ customers: Map<string, string>; schools: Map<string, string> }> {
  const [customers, schools] = await Promise.all([db.all(CUSTOMER_NAMES), db.all(SCHOOL_NAMES)]);
  return {
    customers: new Map(customers.map((r) => [String(r['id']), String(r['name'])])),
    schools: new Map(schools.map((r) => [String(r['id']), String(r['name'])])),
  };
}

/** The model's quality from its registered metrics: the test snapshot's when it has one, else the validation one. */
export function churnModelQuality(metrics: Record<string, unknown>): ChurnModelQuality | null {
  const test = metrics['test'] as Record<string, unknown> | undefined;
  const source = test ?? metrics;
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  // A test figure is an interval { value, lo, hi }; an older model's validation figure a plain number.
  const value = (v: unknown): number | null =>
    typeof v === 'object' && v !== null ? num((v as { value: unknown }).value) : num(v);
  const bound = (v: unknown, end: 'lo' | 'hi'): number | null =>
    typeof v === 'object' && v !== null ? num((v as Record<string, unknown>)[end]) : null;
  const baseRate = num(source['baseRate']);
  const accuracy = value(source['accuracy']);
  const rocAuc = value(source['rocAuc']);
  if (baseRate === null || accuracy === null || rocAuc === null) return null;
  return {
    window: test === undefined ? 'validation' : 'test',
    rows: num(source['rows']) ?? num(metrics['validationRows']) ?? 0,
    base_rate: baseRate,
    accuracy,
    majority_accuracy: Math.max(baseRate, 1 - baseRate),
    roc_auc: rocAuc,
    roc_auc_lo: bound(source['rocAuc'], 'lo'),
    roc_auc_hi: bound(source['rocAuc'], 'hi'),
    accuracy_target: 0.85,
    meets_accuracy_target: accuracy > 0.85,
  };
}

const SCORE_COLUMNS: Columns = {
  report_id: 'varchar',
  rank: 'integer',
  customer_id: 'varchar',
  school_id: 'varchar',
  plan: 'varchar',
  probability: 'double',
  drivers: 'varchar',
  monthly_revenue_minor: 'bigint',
  revenue_at_risk_minor: 'bigint',
  p_alive: 'double',
  expected_orders_30d: 'double',
  clv_minor: 'bigint',
  probability_change_7d: 'double',
};

export interface ChurnScoreRow {
  readonly rank: number;
  readonly customer_id: string;
  /** The family (customer) and school by name, for the operator reading the report. */
  readonly customer_name: string;
  readonly school_id: string;
  readonly school_name: string;
  readonly plan: string;
  readonly probability: number;
  readonly drivers: { feature: string; contribution: number; value: number }[];
  readonly monthly_revenue_minor: number;
  readonly revenue_at_risk_minor: number;
  readonly p_alive: number | null;
  readonly expected_orders_30d: number | null;
  readonly clv_minor: number | null;
  readonly probability_change_7d: number | null;
}

export interface SegmentSummary {
  readonly key: string;
  /** The school's name (by_school); the key again for plans. */
  readonly name: string;
  readonly customers: number;
  readonly at_risk: number;
  readonly mean_probability: number;
  readonly revenue_at_risk_minor: number;
}

/**
 * How good the model is, honestly: accuracy beside the accuracy of predicting "nobody churns" (the base rate's
 * complement) and ROC-AUC, each on the model's untouched test snapshot where it has one.
 */
export interface ChurnModelQuality {
  readonly window: 'test' | 'validation';
  readonly rows: number;
  readonly base_rate: number;
  readonly accuracy: number;
  /** Accuracy of always answering the majority class: what "accuracy" must beat to mean anything. */
  readonly majority_accuracy: number;
  readonly roc_auc: number;
  readonly roc_auc_lo: number | null;
  readonly roc_auc_hi: number | null;
  /** The seed's target, > 85 % accuracy, and whether it is met (it can be met by the majority answer alone). */
  readonly accuracy_target: 0.85;
  readonly meets_accuracy_target: boolean;
}

export interface ChurnReportSummary {
  readonly revenue: RevenueAtRisk;
  readonly model_quality: ChurnModelQuality | null;
  readonly by_school: SegmentSummary[];
  readonly by_plan: SegmentSummary[];
  readonly change_since_last_week: {
    readonly previous_report_date: string;
    readonly customers: number;
    readonly at_risk: number;
    readonly revenue_at_risk_minor: number;
    readonly mean_probability: number;
  } | null;
}

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The ranked list as CSV: family and school by name, the top reasons in words, drivers as `feature:+0.42;…`. */
export function churnScoresCsv(rows: readonly ChurnScoreRow[]): string {
  const header =
    'rank,family,school,plan,probability,top_reasons,monthly_revenue_minor,revenue_at_risk_minor,customer_id,school_id,drivers,p_alive,expected_orders_30d,clv_minor,probability_change_7d';
  const lines = rows.map((r) =>
    [
      r.rank,
      r.customer_name,
      r.school_name,
      r.plan,
      r.probability.toFixed(4),
      r.drivers.map(describeDriver).join('; '),
      r.monthly_revenue_minor,
      r.revenue_at_risk_minor,
      r.customer_id,
      r.school_id,
      r.drivers.map((d) => `${d.feature}:${d.contribution >= 0 ? '+' : ''}${d.contribution.toFixed(2)}`).join(';'),
      r.p_alive?.toFixed(4) ?? '',
      r.expected_orders_30d?.toFixed(3) ?? '',
      r.clv_minor ?? '',
      r.probability_change_7d?.toFixed(4) ?? '',
    ]
      .map(csvCell)
      .join(','),
  );
  return `${[header, ...lines].join('\n')}\n`;
}

export interface ChurnReportResult {
  readonly id: string;
  readonly report_date: string;
  readonly model_id: string;
  readonly customers: number;
  readonly at_risk: number;
  readonly revenue_at_risk_minor: number;
  readonly keys: { csv: string; parquet: string; html: string };
  readonly trained: boolean;
}

/**
 * Fits BG/NBD + Gamma-Gamma on kosh's purchases up to the report day (DuckDB, on a snapshot of the captured
 * payments); null when the data cannot support it.
 */
async function fitKoshLtv(db: Db, day: string, log: Log) {
  try {
    const duck = await snapshotToDuckDb(db, [{ table: 'payments', where: "status = 'captured'" }]);
    let summaries: Awaited<ReturnType<typeof summarizeTransactions>>;
    try {
      summaries = await summarizeTransactions(duck, KOSH_PURCHASES, { end: day });
    } finally {
      await duck.close();
    }
    if (summaries.filter((s) => s.x > 0).length < 10) return null;
    return { model: fitLtvModel(summaries), byCustomer: new Map(summaries.map((s) => [s.customerId, s])) };
  } catch (err) {
    log.warn({ err }, 'LTV fit failed; the churn report goes out without it');
    return null;
  }
}

/**
 * The nightly churn report: scores every active customer with the churn champion (training the first one when
 * there is none), adds BG/NBD P(alive), expected orders and CLV, ranks by revenue at risk (probability × monthly
 * revenue), summarizes by school and plan against last week, stores the rows and writes CSV, Parquet and HTML to the
 * `analytics` bucket. Idempotent per IST date: a rerun replaces that date's report.
 */
export async function buildChurnReport(
  deps: { db: Db; objects: ObjectStore; clock: Clock; log: Log },
  now: Date,
): Promise<ChurnReportResult> {
  const reportDate = istDate(now);
  let champion = await loadChurnChampion(deps);
  let trained = false;
  if (champion === null) {
    await trainChurn(deps, { to: now });
    champion = await loadChurnChampion(deps);
    trained = true;
  }
  if (champion === null) throw new Error('no churn model after training');
  const { model, classifier } = champion;

  const set = await churnSnapshots(deps.db, { first: now, last: now });
  const ltv = await fitKoshLtv(deps.db, reportDate, deps.log);
  const previous = await deps.db.one(PREVIOUS_REPORT, { before: istDate(now, 7) });
  const before = new Map<string, number>();
  if (previous !== undefined)
    for (const r of await deps.db.all(PREVIOUS_SCORES, { id: previous['id'] }))
      before.set(String(r['customer_id']), Number(r['probability']));

  const names = await namesOf(deps.db);
  const families: { probability: number; monthlyMinor: number; recurring: boolean }[] = [];
  const scored = set.rows.map((row, i) => {
    const customerId = set.customerIds[i] as string;
    const schoolId = set.schoolIds[i] as string;
    const probability = classifier.probability(row);
    // Normalised monthly value: a quarterly or yearly charge is spread over its months, so this never exceeds MRR.
    const { monthlyMinor: monthly, recurring } = familyMonthlyRevenueMinor({
      subscriptionMonthlyMinor: set.subscriptionMonthlyMinor[i] as number,
      spend90dMinor: set.spend90dMinor[i] as number,
    });
    families.push({ probability, monthlyMinor: monthly, recurring });
    const summary = ltv?.byCustomer.get(customerId);
    const l = ltv !== null && summary !== undefined ? scoreCustomer(ltv.model as LtvModel, summary) : null;
    const old = before.get(customerId);
    const finite = (v: number | null | undefined): number | null =>
      v === null || v === undefined || !Number.isFinite(v) ? null : v;
    const clv = finite(l?.clv);
    return {
      customer_id: customerId,
      customer_name: names.customers.get(customerId) ?? customerId,
      school_id: schoolId,
      school_name: names.schools.get(schoolId) ?? schoolId,
      plan: set.plans[i] as string,
      probability,
      drivers: classifier.drivers(row, 3),
      monthly_revenue_minor: monthly,
      revenue_at_risk_minor: atRiskMinor(probability, monthly),
      p_alive: finite(l?.pAlive),
      expected_orders_30d: finite(l?.expectedPurchases),
      clv_minor: clv === null ? null : Math.round(clv * 100),
      probability_change_7d: old === undefined ? null : probability - old,
    };
  });
  scored.sort(
    (a, b) =>
      b.revenue_at_risk_minor - a.revenue_at_risk_minor ||
      b.probability - a.probability ||
      (a.customer_id < b.customer_id ? -1 : 1),
  );
  const rows: ChurnScoreRow[] = scored.map((s, i) => ({ rank: i + 1, ...s }));
  const revenue = sumRevenueAtRisk(families);
  const atRisk = rows.filter((r) => r.probability >= AT_RISK).length;
  const revenueAtRisk = rows.reduce((s, r) => s + r.revenue_at_risk_minor, 0);
  const meanProbability = rows.length === 0 ? 0 : rows.reduce((s, r) => s + r.probability, 0) / rows.length;

  const id = newId('chr');
  const keys = {
    csv: `churn/${reportDate}/at-risk.csv`,
    parquet: `churn/${reportDate}/at-risk.parquet`,
    html: `churn/${reportDate}/report.html`,
  };
  const ltvParams =
    ltv === null
      ? null
      : {
          bg_nbd: { ...ltv.model.bgNbd.params, log_likelihood: ltv.model.bgNbd.logLikelihood },
          gamma_gamma: ltv.model.gammaGamma === null ? null : { ...ltv.model.gammaGamma.params },
          clv: DEFAULT_LTV_SCORE_OPTIONS,
        };
  const summary = await deps.db.transaction(async (tx) => {
    await tx.run(DELETE_SCORES, { date: reportDate });
    await tx.run(DELETE_REPORT, { date: reportDate });
    await appendRows(
      tx,
      'churn_scores',
      SCORE_COLUMNS,
      rows.map((r) => [
        id,
        r.rank,
        r.customer_id,
        r.school_id,
        r.plan,
        r.probability,
        JSON.stringify(r.drivers),
        r.monthly_revenue_minor,
        r.revenue_at_risk_minor,
        r.p_alive,
        r.expected_orders_30d,
        r.clv_minor,
        r.probability_change_7d,
      ]),
    );
    const segment = async (column: 'school_id' | 'plan'): Promise<SegmentSummary[]> =>
      (await tx.all(SUMMARY_BY.replaceAll('{column}', column), { id, at_risk: AT_RISK })).map((r) => ({
        key: String(r['key']),
        name: column === 'school_id' ? (names.schools.get(String(r['key'])) ?? String(r['key'])) : String(r['key']),
        customers: Number(r['customers']),
        at_risk: Number(r['at_risk']),
        mean_probability: Number(r['mean_probability']),
        revenue_at_risk_minor: Number(r['revenue_at_risk_minor']),
      }));
    const s: ChurnReportSummary = {
      revenue,
      model_quality: churnModelQuality(model.metrics),
      by_school: await segment('school_id'),
      by_plan: await segment('plan'),
      change_since_last_week:
        previous === undefined
          ? null
          : {
              previous_report_date: String(previous['report_date']),
              customers: rows.length - Number(previous['customers']),
              at_risk: atRisk - Number(previous['at_risk']),
              revenue_at_risk_minor: revenueAtRisk - Number(previous['revenue_at_risk_minor']),
              mean_probability: meanProbability - Number(previous['mean_probability']),
            },
    };
    await tx.run(INSERT_REPORT, {
      id,
      report_date: reportDate,
      as_of: now,
      model_id: model.id,
      customers: rows.length,
      at_risk: atRisk,
      revenue_at_risk_minor: revenueAtRisk,
      mean_probability: meanProbability,
      ltv: ltvParams === null ? null : JSON.stringify(ltvParams),
      summary: JSON.stringify(s),
      csv_key: keys.csv,
      parquet_key: keys.parquet,
      html_key: keys.html,
      created_at: deps.clock.now(),
    });
    return s;
  });

  // Parquet through DuckDB's writer into a private temp file, then into the object store (which may be S3).
  const dir = mkdtempSync(path.join(tmpdir(), 'kosh-churn-'));
  try {
    const file = path.join(dir, 'at-risk.parquet');
    // The report id is ours (newId), never user text: safe inside the snapshot's condition.
    const duck = await snapshotToDuckDb(deps.db, [{ table: 'churn_scores', where: `report_id = '${id}'` }]);
    try {
      await duck.run(COPY_PARQUET.replace('{file}', file.replace(/'/g, "''")), { id });
    } finally {
      await duck.close();
    }
    await deps.objects.put('analytics', keys.parquet, readFileSync(file), 'application/vnd.apache.parquet');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await deps.objects.put('analytics', keys.csv, churnScoresCsv(rows), 'text/csv');
  const history = (await deps.db.all(HISTORY, { date: reportDate })).reverse().map((r) => ({
    report_date: String(r['report_date']),
    mean_probability: Number(r['mean_probability']),
    at_risk: Number(r['at_risk']),
    revenue_at_risk_minor: Number(r['revenue_at_risk_minor']),
  }));
  const html = renderChurnReportHtml({
    reportDate,
    modelId: model.id,
    algorithm: classifier.algorithm,
    rows,
    summary,
    history,
    atRisk,
    revenueAtRisk,
    meanProbability,
    ltv: ltvParams,
  });
  await deps.objects.put('analytics', keys.html, html, 'text/html');
  deps.log.info({ report_date: reportDate, customers: rows.length, at_risk: atRisk }, 'churn report written');
  return {
    id,
    report_date: reportDate,
    model_id: model.id,
    customers: rows.length,
    at_risk: atRisk,
    revenue_at_risk_minor: revenueAtRisk,
    keys,
    trained,
  };
}

/** The `churn-report` job (03:00 IST). */
export const churnReportJob: JobFn<JobDeps> = async (deps, { now }) => {
  if (deps.objects === undefined) throw new Error('churn-report needs an object store in its deps');
  const r = await buildChurnReport({ ...deps, objects: deps.objects }, now);
  return {
    report_date: r.report_date,
    model: r.model_id,
    customers: r.customers,
    at_risk: r.at_risk,
    revenue_at_risk_minor: r.revenue_at_risk_minor,
    trained_model: r.trained,
  };
};
