import type { Db } from '../../platform/db.js';
import { snapshotToDuckDb } from '../../platform/duckdb-snapshot.js';
import { CHURN_FEATURES, CHURN_HORIZON_DAYS } from './feature-set.js';
import { CHURN_SNAPSHOTS, CHURN_SOURCE_TABLES, DUNNING_ABSENT, DUNNING_PRESENT, TABLE_EXISTS } from './repository.js';

/** Per-customer churn features at one or more snapshot instants, with the label where its 30 days are known. */
export interface ChurnSnapshotSet {
  readonly featureNames: readonly string[];
  readonly rows: Float64Array[];
  /** 1 = churned within 30 days of the snapshot (meaningful only when the snapshot is ≥ 30 days old). */
  readonly labels: Uint8Array;
  readonly asOf: Date[];
  readonly customerIds: string[];
  readonly schoolIds: string[];
  readonly plans: string[];
  /** Paid in the 90 days before the snapshot, paise: revenue at risk is a third of it a month. */
  readonly spend90dMinor: number[];
  /** The live subscription's amount per period, paise (0 without one). */
  readonly subscriptionMinor: number[];
  /**
   * The live subscriptions' value per month, paise, normalised as MRR is (a quarterly charge ÷ 3, yearly ÷ 12,
   * weekly × 52/12): the recurring revenue a churning family takes away each month.
   */
  readonly subscriptionMonthlyMinor: number[];
}

const DAY_MS = 86_400_000;

/**
 * Snapshots every `stepDays` from `first` to `last` (inclusive), one statement for all of them. For training pass
 * `last` ≤ the data end − 30 days so every label is complete; for scoring pass first = last = now. The statement is
 * DuckDB SQL, run on a copy of the tables it reads, taken from PostgreSQL in one consistent read; the dunning
 * tables belong to another module and may be absent (their counts are then 0).
 */
export async function churnSnapshots(
  db: Db,
  window: { first: Date; last: Date; stepDays?: number },
): Promise<ChurnSnapshotSet> {
  const hasDunning = Number((await db.one(TABLE_EXISTS, { name: 'dunning_cases' }))?.['n'] ?? 0) > 0;
  const duck = await snapshotToDuckDb(
    db,
    [...CHURN_SOURCE_TABLES, ...(hasDunning ? ['dunning_cases'] : [])].map((table) => ({ table })),
  );
  let rows: Record<string, unknown>[];
  try {
    rows = await duck.all(CHURN_SNAPSHOTS.replace('{dunning}', hasDunning ? DUNNING_PRESENT : DUNNING_ABSENT), {
      first: window.first,
      last: window.last,
      step_days: window.stepDays ?? CHURN_HORIZON_DAYS,
    });
  } finally {
    await duck.close();
  }
  const set: ChurnSnapshotSet = {
    featureNames: CHURN_FEATURES,
    rows: [],
    labels: new Uint8Array(rows.length),
    asOf: [],
    customerIds: [],
    schoolIds: [],
    plans: [],
    spend90dMinor: [],
    subscriptionMinor: [],
    subscriptionMonthlyMinor: [],
  };
  rows.forEach((r, i) => {
    const values: Record<string, number> = {
      ...Object.fromEntries(CHURN_FEATURES.map((f) => [f, Number(r[f] ?? 0)])),
      spend_90d: Number(r['spend_90d_minor']) / 100,
      subscription_amount: Number(r['subscription_amount_minor']) / 100,
    };
    set.rows.push(Float64Array.from(CHURN_FEATURES, (f) => values[f] as number));
    set.labels[i] = Number(r['churned']) === 1 ? 1 : 0;
    set.asOf.push(new Date(r['as_of'] as Date));
    set.customerIds.push(String(r['customer_id']));
    set.schoolIds.push(String(r['school_id']));
    set.plans.push(String(r['plan']));
    set.spend90dMinor.push(Number(r['spend_90d_minor']));
    set.subscriptionMinor.push(Number(r['subscription_amount_minor']));
    set.subscriptionMonthlyMinor.push(Number(r['subscription_monthly_minor'] ?? 0));
  });
  return set;
}

/** The snapshot instants for training up to `to`: monthly, the newest one a full horizon before `to`. */
export function trainingWindow(to: Date, months: number): { first: Date; last: Date } {
  const last = new Date(to.getTime() - CHURN_HORIZON_DAYS * DAY_MS);
  const first = new Date(last.getTime() - (months - 1) * CHURN_HORIZON_DAYS * DAY_MS);
  return { first, last };
}
