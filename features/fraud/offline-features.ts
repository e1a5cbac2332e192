import type { Db } from '../../platform/db.js';
import { snapshotToDuckDb } from '../../platform/duckdb-snapshot.js';
import { FRAUD_FEATURES } from './feature-set.js';
import {
  FRAUD_DISPUTE_LABEL_CONDITION,
  FRAUD_REVIEW_LABEL_CONDITION,
  LABEL_TABLES,
  offlineFraudFeaturesSql,
} from './repository.js';

export interface FraudTrainingSet {
  readonly ids: string[];
  readonly at: Date[];
  readonly labels: Uint8Array; // 1 = fraud
  readonly rows: Float64Array[]; // FRAUD_FEATURES order
}

const EARLIEST = new Date(0);
const LATEST = new Date(Date.UTC(9999, 11, 31));

/**
 * The fraud feature vectors of every payment attempt created in `[from, to)` (captured, failed or pending),
 * point-in-time correct: each sees only events strictly before its own `created_at`, exactly as the online
 * store would have. Ordered by (created_at, id). Labels are confirmed fraud only (FRAUD_LABEL_DEFINITION in
 * repository.ts): `payments.fraud_label`, reviews declined as fraud and fraud-phase disputes not won, never a plain
 * decline. The SQL is DuckDB's (window frames over intervals, lists), run on a snapshot of the payments created before
 * `to` and those label rows, taken from PostgreSQL in one consistent read.
 */
export async function offlineFraudFeatures(
  deps: { db: Db },
  window: { from?: Date; to?: Date } = {},
): Promise<FraudTrainingSet> {
  const to = window.to ?? LATEST;
  const tables = new Set((await deps.db.all<{ name: string }>(LABEL_TABLES)).map((t) => t.name));
  const labelTables = { reviews: tables.has('fraud_reviews'), disputes: tables.has('disputes') };
  // Snapshot conditions are SQL text: the bound is an ISO instant formatted here from a Date, never user text.
  const duck = await snapshotToDuckDb(deps.db, [
    { table: 'payments', where: `created_at < '${to.toISOString()}'::timestamptz` },
    ...(labelTables.reviews ? [{ table: 'fraud_reviews', where: FRAUD_REVIEW_LABEL_CONDITION }] : []),
    ...(labelTables.disputes ? [{ table: 'disputes', where: FRAUD_DISPUTE_LABEL_CONDITION }] : []),
  ]);
  let result: { id: string; at: Date; label: boolean; v: number[] }[];
  try {
    result = await duck.all(offlineFraudFeaturesSql(labelTables), {
      from: window.from ?? EARLIEST,
      to,
    });
  } finally {
    await duck.close();
  }
  const ids: string[] = new Array(result.length);
  const at: Date[] = new Array(result.length);
  const labels = new Uint8Array(result.length);
  const rows: Float64Array[] = new Array(result.length);
  for (let i = 0; i < result.length; i++) {
    const r = result[i] as { id: string; at: Date; label: boolean; v: number[] };
    if (r.v.length !== FRAUD_FEATURES.length) throw new Error(`feature row of ${r.v.length} values`);
    ids[i] = r.id;
    at[i] = r.at;
    labels[i] = r.label ? 1 : 0;
    rows[i] = Float64Array.from(r.v);
  }
  return { ids, at, labels, rows };
}
