import { appendRows, type Columns } from '../../platform/bulk.js';
import type { Db, Tx } from '../../platform/db.js';
import { type FieldError, invalid } from '../../platform/errors.js';
import { DEFAULT_CURRENCY } from '../../platform/money.js';
import { POSTING_RULES } from '../ledger/journal-rules.js';
import { postEntriesSql } from '../ledger/repository.js';
import type { ImportBatch, ImportPayment, ImportSummary } from './import-types.js';

const V = 'varchar';
const I = 'integer';
const B = 'bigint';
const T = 'timestamp';
const BOOL = 'boolean';

// The columns each COPY writes, by name (platform/bulk.ts): a column added to or moved in a table does not shift them.
const SCHOOL_COLUMNS: Columns = { id: V, name: V, city: V, state_code: V, gstin: V, created_at: T };
// Imported customers live on the wall clock: test_clock_id (024_test_clocks.sql) is left NULL.
const CUSTOMER_COLUMNS: Columns = {
  id: V,
  school_id: V,
  name: V,
  email: V,
  phone: V,
  state_code: V,
  created_at: T,
};
const STUDENT_COLUMNS: Columns = { id: V, customer_id: V, school_id: V, name: V, grade: I, created_at: T };
// Imported methods carry no recurring-debit mandate (mandate_type NULL) and are not deleted.
const METHOD_COLUMNS: Columns = {
  id: V,
  customer_id: V,
  type: V,
  gateway_token: V,
  card_network: V,
  card_last4: V,
  card_exp_month: I,
  card_exp_year: I,
  upi_vpa_masked: V,
  bank: V,
  wallet: V,
  is_default: BOOL,
  created_at: T,
  updated_at: T,
};
const ORDER_COLUMNS: Columns = {
  id: V,
  customer_id: V,
  school_id: V,
  amount_minor: B,
  currency: V,
  status: V,
  description: V,
  gateway_order_id: V,
  created_at: T,
  updated_at: T,
};
const PAYMENT_COLUMNS: Columns = {
  id: V,
  order_id: V,
  customer_id: V,
  school_id: V,
  payment_method_id: V,
  method: V,
  amount_minor: B,
  currency: V,
  status: V,
  capture_mode: V,
  captured_minor: B,
  refunded_minor: B,
  fee_minor: B,
  tax_minor: B,
  gateway_payment_id: V,
  error_code: V,
  error_reason: V,
  error_description: V,
  device_id: V,
  ip: V,
  fraud_label: V,
  created_at: T,
  authorized_at: T,
  captured_at: T,
  failed_at: T,
  updated_at: T,
};
const REFUND_COLUMNS: Columns = {
  id: V,
  payment_id: V,
  amount_minor: B,
  currency: V,
  status: V,
  reason: V,
  gateway_refund_id: V,
  created_at: T,
  processed_at: T,
  failed_at: T,
  updated_at: T,
};

/**
 * The ids of the batch being imported, so the ledger is posted set-wise for exactly these records: private to the
 * transaction's session and dropped at its end; emptied for each batch when one transaction imports several.
 */
const CREATE_BATCH_IDS = 'CREATE TEMP TABLE IF NOT EXISTS import_batch_ids (id VARCHAR) ON COMMIT DROP';
const CLEAR_BATCH_IDS = 'TRUNCATE import_batch_ids';

const CAPTURED = `
SELECT 'je_capture_' || s.id AS entry_id, s.id AS ref_id, s.currency, NULL AS memo, s.captured_at AS created_at,
       s.school_id, s.captured_minor AS amount, s.fee_minor AS fee, s.tax_minor AS tax
FROM payments s JOIN import_batch_ids b ON b.id = s.id WHERE s.status = 'captured'`;
/** The refunds of the batch in one of the states `kind` posts, each at the instant of that state. */
const refunds = (kind: 'refund_initiated' | 'refund_processed' | 'refund_failed', at: string, where: string) => `
SELECT 'je_${kind}_' || s.id AS entry_id, s.id AS ref_id, s.currency, NULL AS memo, ${at} AS created_at,
       s.school_id, s.amount_minor AS amount, 0 AS fee, 0 AS tax
FROM (SELECT r.id, r.amount_minor, r.currency, r.status, r.created_at, r.updated_at, p.school_id
      FROM refunds r JOIN payments p ON p.id = r.payment_id) s
JOIN import_batch_ids b ON b.id = s.id WHERE ${where}`;

/**
 * The ledger of the batch, posted by the ledger's set-based entry point: one INSERT … SELECT per journal kind and
 * table, evaluating the same templates the API path uses (journal-rules.ts). Entry ids are `je_<kind>_<record id>`,
 * unique with (kind, ref_id).
 */
const POST_BATCH = [
  postEntriesSql({
    kind: 'capture',
    refType: 'payment',
    templates: POSTING_RULES.capture,
    source: CAPTURED,
    onDuplicate: 'fail',
  }),
  ...(
    [
      ['refund_initiated', 's.created_at', 'true'],
      ['refund_processed', 's.updated_at', "s.status = 'processed'"],
      ['refund_failed', 's.updated_at', "s.status = 'failed'"],
    ] as const
  ).map(([kind, at, where]) =>
    postEntriesSql({
      kind,
      refType: 'refund',
      templates: POSTING_RULES[kind],
      source: refunds(kind, at, where),
      onDuplicate: 'fail',
    }),
  ),
];

const safeAmount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n > 0;

/** Refuses a batch that would break a money rule, naming the first offending records. */
function validate(batch: ImportBatch): Map<string, ImportPayment> {
  const problems: FieldError[] = [];
  const add = (field: string, code: string, message: string) => {
    if (problems.length < 20) problems.push({ field, code, message });
  };
  const orders = new Set(batch.orders.map((o) => o.id));
  batch.orders.forEach((o, i) => {
    if (!safeAmount(o.amount))
      add(`/orders/${i}/amount`, 'invalid_amount', 'must be a positive integer number of paise');
    if (o.currency !== DEFAULT_CURRENCY) add(`/orders/${i}/currency`, 'unsupported_currency', 'must be INR');
  });
  const payments = new Map<string, ImportPayment>();
  batch.payments.forEach((p, i) => {
    payments.set(p.id, p);
    if (!safeAmount(p.amount))
      add(`/payments/${i}/amount`, 'invalid_amount', 'must be a positive integer number of paise');
    if (p.currency !== DEFAULT_CURRENCY) add(`/payments/${i}/currency`, 'unsupported_currency', 'must be INR');
    if (!orders.has(p.orderId)) add(`/payments/${i}/order_id`, 'unknown_order', 'order is not in the batch');
    if (p.status === 'captured') {
      if (
        !Number.isSafeInteger(p.fee) ||
        !Number.isSafeInteger(p.tax) ||
        (p.fee ?? 0) < (p.tax ?? 0) ||
        (p.tax ?? 0) < 0 ||
        (p.fee ?? 0) > p.amount
      ) {
        add(`/payments/${i}/fee`, 'invalid_fee', 'a captured payment needs fee ≥ tax ≥ 0, fee ≤ amount');
      }
    }
  });
  const refunded = new Map<string, number>();
  batch.refunds.forEach((r, i) => {
    const p = payments.get(r.paymentId);
    if (!safeAmount(r.amount))
      add(`/refunds/${i}/amount`, 'invalid_amount', 'must be a positive integer number of paise');
    if (p === undefined || p.status !== 'captured') {
      add(`/refunds/${i}/payment_id`, 'payment_not_refundable', 'refunds need a captured payment in the batch');
      return;
    }
    if (r.status === 'failed') return;
    const total = (refunded.get(p.id) ?? 0) + r.amount;
    refunded.set(p.id, total);
    if (total > p.amount)
      add(`/refunds/${i}/amount`, 'refund_exceeds_captured', `refunds of ${p.id} exceed its captured amount`);
  });
  if (problems.length > 0)
    throw invalid('invalid_import', 'the import batch breaks a money rule; nothing was written', problems);
  return payments;
}

/**
 * The bulk path: writes already-final orders, payments and refunds (and their parties) in one
 * transaction through `COPY` (platform/bulk.ts), then posts the ledger set-wise from the same templates the API
 * path evaluates per event (journal-rules.ts). An invalid batch writes nothing.
 */
export async function importPayments(deps: { db: Db }, batch: ImportBatch): Promise<ImportSummary> {
  return deps.db.transaction((tx) => writeImportBatch(tx, batch));
}

/**
 * The import as steps inside the caller's transaction, for a loader writing several batches in one (load-payments.ts):
 * `begin`, then `copy` each batch (validated first, refused before any write), then `post` the ledger of every batch
 * copied since `begin`, set-wise.
 */
export const importSteps = {
  begin: async (tx: Tx): Promise<void> => {
    await tx.run(CREATE_BATCH_IDS);
    await tx.run(CLEAR_BATCH_IDS);
  },
  copy: (tx: Tx, batch: ImportBatch): Promise<void> => copyImportBatch(tx, batch),
  post: async (tx: Tx): Promise<{ entries: number; lines: number }> => {
    const ledger = { entries: 0, lines: 0 };
    for (const statement of POST_BATCH) ledger.entries += await tx.run(statement.entries);
    for (const statement of POST_BATCH) ledger.lines += await tx.run(statement.lines);
    return ledger;
  },
};

async function writeImportBatch(tx: Tx, batch: ImportBatch): Promise<ImportSummary> {
  await importSteps.begin(tx);
  await copyImportBatch(tx, batch);
  const ledger = await importSteps.post(tx);
  return {
    orders: batch.orders.length,
    payments: batch.payments.length,
    refunds: batch.refunds.length,
    journalEntries: ledger.entries,
    journalLines: ledger.lines,
  };
}

/** The one textual form of an instant in a COPY row, computed once per record however many columns repeat it. */
const instant = (at: Date | null): string | null => (at === null ? null : at.toISOString());

async function copyImportBatch(tx: Tx, batch: ImportBatch): Promise<void> {
  validate(batch);
  const refundedByPayment = new Map<string, number>();
  for (const r of batch.refunds) {
    if (r.status !== 'failed') refundedByPayment.set(r.paymentId, (refundedByPayment.get(r.paymentId) ?? 0) + r.amount);
  }
  if (batch.schools !== undefined) {
    await appendRows(
      tx,
      'schools',
      SCHOOL_COLUMNS,
      batch.schools.map((s) => [s.id, s.name, s.city, s.stateCode, s.gstin, s.createdAt]),
    );
  }
  if (batch.customers !== undefined) {
    await appendRows(
      tx,
      'customers',
      CUSTOMER_COLUMNS,
      batch.customers.map((c) => [c.id, c.schoolId, c.name, c.email, c.phone, c.stateCode, c.createdAt]),
    );
  }
  if (batch.students !== undefined) {
    await appendRows(
      tx,
      'students',
      STUDENT_COLUMNS,
      batch.students.map((s) => [s.id, s.customerId, s.schoolId, s.name, s.grade, s.createdAt]),
    );
  }
  if (batch.paymentMethods !== undefined) {
    await appendRows(
      tx,
      'payment_methods',
      METHOD_COLUMNS,
      batch.paymentMethods.map((m) => {
        const at = instant(m.createdAt);
        return [
          m.id,
          m.customerId,
          m.type,
          m.gatewayToken,
          m.cardNetwork,
          m.cardLast4,
          m.cardExpMonth,
          m.cardExpYear,
          m.upiVpaMasked,
          m.bank,
          m.wallet,
          m.isDefault,
          at,
          at,
        ];
      }),
    );
  }
  await appendRows(
    tx,
    'orders',
    ORDER_COLUMNS,
    batch.orders.map((o) => {
      const at = instant(o.createdAt);
      return [o.id, o.customerId, o.schoolId, o.amount, o.currency, o.status, o.description, o.gatewayOrderId, at, at];
    }),
  );
  await appendRows(
    tx,
    'payments',
    PAYMENT_COLUMNS,
    batch.payments.map((p) => {
      const captured = p.status === 'captured';
      const failed = p.status === 'failed';
      const at = instant(p.createdAt);
      return [
        p.id,
        p.orderId,
        p.customerId,
        p.schoolId,
        p.paymentMethodId,
        p.method,
        p.amount,
        p.currency,
        p.status,
        'auto',
        captured ? p.amount : 0,
        refundedByPayment.get(p.id) ?? 0,
        captured ? p.fee : null,
        captured ? p.tax : null,
        p.gatewayPaymentId,
        p.errorCode,
        p.errorReason,
        p.errorDescription,
        p.deviceId,
        p.ip,
        p.fraudLabel,
        at,
        failed ? null : at,
        captured ? at : null,
        failed ? at : null,
        at,
      ];
    }),
  );
  await appendRows(
    tx,
    'refunds',
    REFUND_COLUMNS,
    batch.refunds.map((r) => [
      r.id,
      r.paymentId,
      r.amount,
      DEFAULT_CURRENCY,
      r.status,
      r.reason,
      r.gatewayRefundId,
      r.createdAt,
      r.status === 'processed' ? r.settledAt : null,
      r.status === 'failed' ? r.settledAt : null,
      r.settledAt ?? r.createdAt,
    ]),
  );
  await appendRows(tx, 'import_batch_ids', { id: V }, [
    ...batch.payments.map((p) => [p.id]),
    ...batch.refunds.map((r) => [r.id]),
  ]);
}
