import { readFileSync } from 'node:fs';
import type { Tx } from '../../platform/db.js';
import { type DuckTx, openDuckDb } from '../../platform/duckdb.js';
import { type FieldError, malformed } from '../../platform/errors.js';
import {
  addOptionalColumn,
  CREATE_REPORT_TABLE,
  DUPLICATE_ENTITIES,
  INDEX_REPORT_TABLE,
  INVALID_LINES,
  LOAD_RAW_REPORT,
  OPTIONAL_COLUMNS,
  RAW_REPORT_COLUMNS,
  REQUIRED_COLUMNS,
  STAGED_REPORT_COLUMNS,
  STAGED_REPORT_PAGE,
  stageReportSql,
} from './repository.js';
import type { AmountUnit } from './types.js';

const PROBLEMS: Record<string, string> = {
  required: 'is required',
  invalid_number: 'is not a number',
  unsupported_currency: 'must be INR',
  invalid_timestamp: 'is not unix seconds or an ISO-8601 timestamp',
  invalid_boolean: 'is not true or false',
};

/** The first record whose field count differs from the header's (RFC 4180 quoting), by physical line. */
export function firstRaggedLine(text: string): { line: number; fields: number; expected: number } | null {
  let expected = -1;
  let fields = 1;
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let empty = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') i++;
      else if (ch === '"') quoted = false;
      else if (ch === '\n') line++;
      continue;
    }
    if (ch === '"') {
      quoted = true;
      empty = false;
    } else if (ch === ',') fields++;
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      if (!empty || fields > 1) {
        if (expected < 0) expected = fields;
        else if (fields !== expected) return { line: recordLine, fields, expected };
      }
      line++;
      recordLine = line;
      fields = 1;
      empty = true;
      continue;
    }
    empty = false;
  }
  if (expected >= 0 && (!empty || fields > 1) && fields !== expected) return { line: recordLine, fields, expected };
  return null;
}

const badReport = (message: string, fields: readonly FieldError[]) =>
  malformed('invalid_report', `${message}; nothing was stored`, fields);

/** Lines copied from DuckDB into PostgreSQL per COPY: bounds memory for a million-line report. */
const COPY_PAGE = 20_000;

/**
 * Loads a Settlement Recon CSV file into the temp table `recon_report` (typed, one row per line, `line_no`
 * as in the file) inside the caller's transaction. The file is parsed and checked in a throwaway in-memory
 * DuckDB; a missing column, a bad cell or a repeated entity is refused as `invalid_report`, naming the
 * column and line, before anything is written to PostgreSQL.
 */
export async function stageSettlementReport(tx: Tx, input: { path: string; unit: AmountUnit }): Promise<void> {
  const duck = await openDuckDb(':memory:', { readers: 0 });
  try {
    await duck.transaction(async (parse) => {
      await checkReport(parse, input);
      await tx.run(CREATE_REPORT_TABLE);
      for (let after = 0; ; ) {
        const page = await parse.all<Record<string, unknown>>(STAGED_REPORT_PAGE, { after, limit: COPY_PAGE });
        await tx.copyIn(
          'recon_report',
          STAGED_REPORT_COLUMNS,
          page.map((row) => STAGED_REPORT_COLUMNS.map((c) => row[c])),
        );
        if (page.length < COPY_PAGE) break;
        after = page[page.length - 1]?.['line_no'] as number;
      }
      for (const statement of INDEX_REPORT_TABLE) await tx.run(statement);
    });
  } finally {
    await duck.close();
  }
}

/** Reads the file into DuckDB's `recon_report`, refusing a report that is not well-formed and valid. */
async function checkReport(tx: DuckTx, input: { path: string; unit: AmountUnit }): Promise<void> {
  try {
    await tx.run(LOAD_RAW_REPORT, { path: input.path });
  } catch {
    // DuckDB's message names the server's temp file; the client gets the line and field counts instead.
    const ragged = firstRaggedLine(readFileSync(input.path, 'utf8'));
    throw badReport(
      ragged === null
        ? 'the report is not a readable CSV file'
        : `line ${ragged.line} has ${ragged.fields} fields, the header ${ragged.expected}`,
      [
        ragged === null
          ? { field: '/', code: 'invalid_csv', message: 'comma-separated, fields quoted with " when needed' }
          : {
              field: `/line/${ragged.line}`,
              code: 'invalid_csv',
              message: `${ragged.fields} fields where the header has ${ragged.expected}`,
            },
      ],
    );
  }
  const columns = new Set((await tx.all<{ name: string }>(RAW_REPORT_COLUMNS)).map((c) => c.name));
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.has(c));
  if (missing.length > 0) {
    throw badReport(
      `the report lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
      missing.map((c) => ({ field: `/columns/${c}`, code: 'missing_column', message: `column ${c} is required` })),
    );
  }
  for (const c of OPTIONAL_COLUMNS) if (!columns.has(c)) await tx.run(addOptionalColumn(c));

  await tx.run(stageReportSql(input.unit));
  const bad = await tx.all<{ line_no: number; problem: string }>(INVALID_LINES);
  if (bad.length > 0) {
    const fields = bad.map((b) => {
      const [column = '', code = 'invalid'] = b.problem.split(':');
      const unit =
        code === 'invalid_number'
          ? ` of ${input.unit === 'paise' ? 'paise (an integer)' : 'rupees (≤ 2 decimals)'}`
          : '';
      return {
        field: `/line/${b.line_no}/${column}`,
        code,
        message: `${column} ${PROBLEMS[code] ?? 'is invalid'}${unit}`,
      };
    });
    throw badReport(`line ${bad[0]?.line_no}: ${fields[0]?.message ?? 'invalid cell'}`, fields);
  }
  const duplicates = await tx.all<{ type: string; entity_id: string; lines: number[] }>(DUPLICATE_ENTITIES);
  if (duplicates.length > 0) {
    throw badReport(
      `${duplicates[0]?.type} ${duplicates[0]?.entity_id} appears on lines ${duplicates[0]?.lines.join(', ')}`,
      duplicates.map((d) => ({
        field: `/line/${d.lines[1] ?? d.lines[0]}/entity_id`,
        code: 'duplicate_entity',
        message: `${d.type} ${d.entity_id} also on line ${d.lines[0]}`,
      })),
    );
  }
}
