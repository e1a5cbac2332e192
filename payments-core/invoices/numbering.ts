import type { Sql } from '../../platform/db.js';
import { conflict } from '../../platform/errors.js';
import { istDate } from '../../platform/ist.js';
import type { DocumentType, Series } from './types.js';

/** The Indian financial year (April to March, Asia/Kolkata) of an instant, as `26-27`. */
export function fiscalYearOf(at: Date): string {
  const day = istDate(at);
  const year = Number(day.slice(0, 4));
  const start = Number(day.slice(5, 7)) >= 4 ? year : year - 1;
  return `${String(start % 100).padStart(2, '0')}-${String((start + 1) % 100).padStart(2, '0')}`;
}

/** Tax invoices (incl. invoice-cum-bill of supply) take INV, bills of supply BOS, credit notes CN. */
export const seriesOf = (type: DocumentType): Series =>
  type === 'credit_note' ? 'CN' : type === 'bill_of_supply' ? 'BOS' : 'INV';

const MAX_SEQ = 999_999;

/** `INV/26-27/000123`: at most 16 characters of letters, digits, `-` and `/` (GST rule 46(b)). */
export function formatNumber(series: Series, fiscalYear: string, seq: number): string {
  if (seq > MAX_SEQ) {
    throw conflict(
      'series_exhausted',
      `series ${series} has used all ${MAX_SEQ} numbers of financial year ${fiscalYear}`,
    );
  }
  return `${series}/${fiscalYear}/${String(seq).padStart(6, '0')}`;
}

/**
 * Reserves `$count` numbers of a series in one statement and returns the last of them. Concurrency: the counter
 * row stays locked (by the insert or the update) until the finalising transaction ends, so concurrent
 * finalisations of one series queue here, and a rollback hands the block back: no gap, no duplicate.
 */
const RESERVE_NUMBERS = `
INSERT INTO invoice_number_counters (series, fiscal_year, last_seq) VALUES ($series, $fy, $count)
ON CONFLICT (series, fiscal_year) DO UPDATE SET last_seq = invoice_number_counters.last_seq + excluded.last_seq
RETURNING last_seq`;
const INSERT_NUMBERS = `
INSERT INTO invoice_numbers (number, series, fiscal_year, seq, invoice_id, assigned_at)
SELECT r.number, r.series, r.fy, r.seq, r.invoice_id, $at::timestamptz
FROM json_to_recordset($rows::json) AS r(number VARCHAR, series VARCHAR, fy VARCHAR, seq INTEGER, invoice_id VARCHAR)`;

export interface AssignedNumber {
  readonly invoiceId: string;
  readonly series: Series;
  readonly fiscalYear: string;
  readonly number: string;
}

/**
 * Hands out the next numbers, in the given order, inside the caller's finalising transaction: bumps each series
 * counter once under its row lock and records every number in invoice_numbers (whose keys refuse a duplicate). A
 * rollback returns the numbers with everything else, so the sequence never has a gap.
 */
export async function assignNumbers(
  tx: Sql,
  docs: readonly { id: string; documentType: DocumentType }[],
  at: Date,
): Promise<AssignedNumber[]> {
  if (docs.length === 0) return [];
  const fiscalYear = fiscalYearOf(at);
  const wanted = new Map<Series, number>();
  for (const doc of docs) {
    const series = seriesOf(doc.documentType);
    wanted.set(series, (wanted.get(series) ?? 0) + 1);
  }
  // One counter row per series, locked in a fixed order so two finalisations never wait on each other in a cycle.
  const next = new Map<Series, number>();
  for (const [series, count] of [...wanted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const reserved = await tx.one<{ last_seq: number }>(RESERVE_NUMBERS, { series, fy: fiscalYear, count });
    if (reserved === undefined) throw new Error(`no counter row for series ${series}`);
    next.set(series, reserved.last_seq - count + 1);
  }
  const out: AssignedNumber[] = [];
  const rows: { number: string; series: Series; fy: string; seq: number; invoice_id: string }[] = [];
  for (const doc of docs) {
    const series = seriesOf(doc.documentType);
    const seq = next.get(series) ?? 1;
    next.set(series, seq + 1);
    const number = formatNumber(series, fiscalYear, seq);
    out.push({ invoiceId: doc.id, series, fiscalYear, number });
    rows.push({ number, series, fy: fiscalYear, seq, invoice_id: doc.id });
  }
  await tx.run(INSERT_NUMBERS, { rows: JSON.stringify(rows), at });
  return out;
}
