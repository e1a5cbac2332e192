import type { SnapshotSource } from '../../platform/duckdb-snapshot.js';

/**
 * The lake's tables: what each exports, from which source tables, and which timestamp decides its date
 * partition. The rows of the partitions being exported are copied out of PostgreSQL (`sources`) into a DuckDB
 * snapshot under the same table names, and `select … from … where` runs there: column lists use DuckDB star
 * expressions, so a migration that adds a column reaches the lake (and changes the schema hash, which re-exports
 * the recent partitions). JSON columns become VARCHAR, the one JSON representation every engine reads.
 * `from`, `at`, `changedAt` and `where` are also valid PostgreSQL (the nightly plan counts rows per day there).
 * docs/lake.md lists the resulting columns.
 */
export interface LakeTable {
  /** The folder under the analytics bucket: `<name>/dt=YYYY-MM-DD/part-0.parquet`. */
  readonly name: string;
  readonly description: string;
  /**
   * The PostgreSQL rows the snapshot needs, per source table, for the partitions whose rows satisfy
   * `inDays(column)` (a condition on that table's column holding the partition timestamp). Every source table
   * must exist for the lake table to be exported (later migrations add some).
   */
  readonly sources: (inDays: (column: string) => string) => readonly SnapshotSource[];
  readonly from: string;
  readonly select: string;
  readonly where?: string;
  /** The UTC timestamp whose IST calendar day is the partition: never changes for a row. */
  readonly at: string;
  /** The timestamp that moves when a row changes: a partition whose max moved since export is stale. */
  readonly changedAt: string;
  /** The output column holding `changedAt`, read back from the written files. */
  readonly changedColumn: string;
}

export const LAKE_TABLES: readonly LakeTable[] = [
  {
    name: 'payments',
    description: 'every payment attempt, its state at export; the raw IP stays in the database',
    sources: (inDays) => [{ table: 'payments', where: inDays('created_at') }],
    from: 'payments p',
    select: 'p.* EXCLUDE (ip)',
    at: 'p.created_at',
    changedAt: 'p.updated_at',
    changedColumn: 'updated_at',
  },
  {
    name: 'refunds',
    description: 'every refund, its state at export',
    sources: (inDays) => [{ table: 'refunds', where: inDays('created_at') }],
    from: 'refunds r',
    select: 'r.*',
    at: 'r.created_at',
    changedAt: 'r.updated_at',
    changedColumn: 'updated_at',
  },
  {
    name: 'ledger_lines',
    description: 'double-entry journal lines with their entry (kind, reference); lines of an entry sum to zero',
    sources: (inDays) => [
      { table: 'journal_entries', where: inDays('created_at') },
      { table: 'journal_lines', where: `entry_id IN (SELECT id FROM journal_entries WHERE ${inDays('created_at')})` },
    ],
    from: 'journal_lines l JOIN journal_entries e ON e.id = l.entry_id',
    select:
      'l.entry_id, l.line_no, e.kind AS entry_kind, e.ref_type, e.ref_id, l.account, l.school_id, l.amount_minor, l.currency, e.memo, e.created_at',
    at: 'e.created_at',
    changedAt: 'e.created_at',
    changedColumn: 'created_at',
  },
  {
    name: 'subscriptions',
    description: 'every subscription, its state at export, partitioned by creation day',
    sources: (inDays) => [{ table: 'subscriptions', where: inDays('created_at') }],
    from: 'subscriptions s',
    select: 's.*',
    at: 's.created_at',
    changedAt: 's.updated_at',
    changedColumn: 'updated_at',
  },
  {
    name: 'billing_records',
    description: 'one row per subscription period billed, its state at export',
    sources: (inDays) => [{ table: 'billing_records', where: inDays('created_at') }],
    from: 'billing_records b',
    select: 'b.*',
    at: 'b.created_at',
    changedAt: 'b.updated_at',
    changedColumn: 'updated_at',
  },
  {
    name: 'invoices',
    description:
      'invoices and credit notes, their state at export; the printed snapshot (names, addresses) stays in the database',
    sources: (inDays) => [{ table: 'invoices', where: inDays('created_at') }],
    from: 'invoices i',
    select: 'i.* EXCLUDE (snapshot)',
    at: 'i.created_at',
    changedAt: 'i.updated_at',
    changedColumn: 'updated_at',
  },
  {
    name: 'invoice_lines',
    description: "invoice lines, in their invoice's partition (the invoice's created_at)",
    sources: (inDays) => [
      { table: 'invoices', where: inDays('created_at') },
      { table: 'invoice_lines', where: `invoice_id IN (SELECT id FROM invoices WHERE ${inDays('created_at')})` },
    ],
    from: 'invoice_lines l JOIN invoices i ON i.id = l.invoice_id',
    select: 'l.*, i.created_at AS invoice_created_at, i.updated_at AS invoice_updated_at',
    at: 'i.created_at',
    changedAt: 'i.updated_at',
    changedColumn: 'invoice_updated_at',
  },
  {
    name: 'fraud_decisions',
    description: 'every fraud decision (allow / review / block) with score, reasons and rule hits as JSON text',
    sources: (inDays) => [{ table: 'fraud_decisions', where: inDays('created_at') }],
    from: 'fraud_decisions d',
    select:
      'd.* EXCLUDE (features) REPLACE (CAST(d.reasons AS VARCHAR) AS reasons, CAST(d.rule_hits AS VARCHAR) AS rule_hits)',
    at: 'd.created_at',
    changedAt: 'd.created_at',
    changedColumn: 'created_at',
  },
  {
    name: 'fraud_feature_snapshots',
    description:
      'the fraud feature vector each decision saw, as DOUBLE[] in the order of its feature_set_version (features/fraud/feature-set.ts)',
    sources: (inDays) => [{ table: 'fraud_decisions', where: `${inDays('created_at')} AND features IS NOT NULL` }],
    from: 'fraud_decisions d',
    select:
      'd.id AS decision_id, d.attempt_id, d.customer_id, d.school_id, d.feature_set_version, CAST(d.features AS DOUBLE[]) AS features, d.model_version, d.score, d.decision, d.created_at',
    where: 'd.features IS NOT NULL',
    at: 'd.created_at',
    changedAt: 'd.created_at',
    changedColumn: 'created_at',
  },
];
