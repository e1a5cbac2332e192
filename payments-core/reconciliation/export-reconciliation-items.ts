import type { Sql } from '../../platform/db.js';
import { getReconciliationRun } from './find-reconciliation-runs.js';
import { quoteCsv } from './report-csv.js';
import { ITEMS_AFTER } from './repository.js';
import type { ReconItem } from './types.js';

const COLUMNS = [
  'id',
  'line_no',
  'status',
  'resolution',
  'entity_type',
  'entity_id',
  'kosh_id',
  'school_id',
  'currency',
  'report_amount',
  'kosh_amount',
  'report_fee',
  'kosh_fee',
  'report_tax',
  'kosh_tax',
  'journal_entry_id',
  'settlement_id',
  'settlement_utr',
  'settled_at',
  'webhook_event_ids',
  'note',
  'resolved_at',
  'resolved_by',
  'resolution_note',
] as const;

/** RFC 4180 quoting; a leading formula character is quoted with a `'` so a spreadsheet shows text, not a formula. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = value instanceof Date ? value.toISOString() : Array.isArray(value) ? value.join(' ') : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+$/.test(text)) text = `'${text}`;
  return quoteCsv(text);
}

/**
 * A run's items as CSV (amounts in paise), in item id order: report lines by line number, then the kosh
 * payments missing at the gateway. Read in keyset pages, so a million-line run streams in bounded memory.
 * Throws not_found before the first byte for an unknown run.
 */
export async function exportReconciliationItems(
  deps: { db: Sql },
  runId: string,
  options: { pageSize?: number } = {},
): Promise<AsyncIterable<string>> {
  await getReconciliationRun(deps, runId);
  const limit = options.pageSize ?? 20_000;
  return (async function* () {
    yield `${COLUMNS.join(',')}\n`;
    let after = '';
    for (;;) {
      const rows = await deps.db.all<ReconItem>(ITEMS_AFTER, { run_id: runId, after, limit });
      if (rows.length === 0) return;
      yield rows.map((r) => `${COLUMNS.map((c) => cell(r[c])).join(',')}\n`).join('');
      after = rows[rows.length - 1]?.id ?? after;
      if (rows.length < limit) return;
    }
  })();
}
