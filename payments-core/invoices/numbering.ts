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

const COUNTER = `SELECT last_seq FROM invoice_number_counters WHERE series = $series AND fiscal_year = $fy`;
const UPSERT_COUNTER = `
INSERT INTO invoice_number_counters (series, fiscal_year, last_seq) VALUES ($series, $fy, $last)
ON CONFLICT (series, fiscal_year) DO UPDATE SET last_seq = excluded.last_seq`;
const INSERT_NUMBERS = `
INSERT INTO invoice_numbers (number, series, fiscal_year, seq, invoice_id, assigned_at)
SELECT r.number, r.series, r.fy, r.seq, r.invoice_id, $at
FROM (SELECT unnest(from_json($rows, '[{"number":"VARCHAR","series":"VARCHAR","fy":"VARCHAR","seq":"INTEGER","invoice_id":"VARCHAR"}]')) AS r)`;

export interface AssignedNumber {
  readonly invoiceId: string;
  readonly series: Series;
  readonly fiscalYear: string;
  readonly number: string;
}

/**
 * Hands out the next numbers, in the given order, inside the caller's finalising transaction: reads and bumps the
 * series counter and records every number in invoice_numbers (whose keys refuse a duplicate). A rollback returns
 * the numbers with everything else, so the sequence never has a gap.
 */
export async function assignNumbers(
  tx: Sql,
  docs: readonly { id: string; documentType: DocumentType }[],
  at: Date,
): Promise<AssignedNumber[]> {
  const fiscalYear = fiscalYearOf(at);
  const last = new Map<Series, number>();
  const out: AssignedNumber[] = [];
  for (const doc of docs) {
    const series = seriesOf(doc.documentType);
    let seq = last.get(series);
    if (seq === undefined) {
      seq = (await tx.one<{ last_seq: number }>(COUNTER, { series, fy: fiscalYear }))?.last_seq ?? 0;
    }
    seq += 1;
    last.set(series, seq);
    out.push({ invoiceId: doc.id, series, fiscalYear, number: formatNumber(series, fiscalYear, seq) });
  }
  for (const [series, seq] of last) await tx.run(UPSERT_COUNTER, { series, fy: fiscalYear, last: seq });
  if (out.length > 0) {
    await tx.run(INSERT_NUMBERS, {
      rows: JSON.stringify(
        out.map((n) => ({
          number: n.number,
          series: n.series,
          fy: n.fiscalYear,
          seq: Number(n.number.slice(-6)),
          invoice_id: n.invoiceId,
        })),
      ),
      at,
    });
  }
  return out;
}
