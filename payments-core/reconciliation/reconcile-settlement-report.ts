import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { invalid, malformed } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { GatewaySettlement } from '../gateway/port.js';
import { postEntries } from '../ledger/post-entries.js';
import { POST_RUN_ADJUSTMENTS } from './adjustment-rules.js';
import { getReconciliationRun } from './find-reconciliation-runs.js';
import {
  COMPARE_REPORT,
  INSERT_MISSING_AT_GATEWAY,
  INSERT_REPORT_ITEMS,
  INSERT_RUN,
  INSERT_SETTLEMENT_MISMATCHES,
  REPORT_WINDOW,
} from './repository.js';
import { POST_SETTLEMENTS, RECORD_SETTLEMENTS } from './settlement-rules.js';
import { stageSettlementReport } from './stage-report.js';
import { type AmountUnit, DEFAULT_TOLERANCES, type ReconRunDetail, type ReconTolerances } from './types.js';

export interface ReconcileReportInput {
  readonly source: 'upload' | 'gateway';
  /** The CSV text, or a file already on disk (the bulk path). */
  readonly report: { readonly csv: string } | { readonly path: string };
  readonly unit?: AmountUnit | undefined;
  /** The IST day a gateway report was fetched for. */
  readonly reportDate?: string | undefined;
  /**
   * kosh captures in [windowStart, windowEnd] must appear in the report; defaults to the span of its payments' times;
   * null: none must (a gateway day on which no settlement is made).
   */
  readonly windowStart?: Date | null | undefined;
  readonly windowEnd?: Date | null | undefined;
  readonly tolerances?: Partial<ReconTolerances> | undefined;
  /**
   * The gateway's settlements the report names (a gateway run): each whose lines do not net to its amount becomes a
   * `settlement_mismatch` item. An upload has none: kosh cannot see its bank credit.
   */
  readonly settlements?: readonly GatewaySettlement[] | undefined;
}

function checkTolerance(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalid('invalid_tolerance', `${name} must be a non-negative integer number of paise`, [
      { field: `/${name}`, code: 'invalid_tolerance', message: 'a non-negative integer number of paise' },
    ]);
  }
}

/**
 * Reconciles one Razorpay Settlement Recon report against kosh's payments, refunds and ledger, set-wise (the
 * file parsed and checked in DuckDB, compared in PostgreSQL): every line is matched, missing in kosh, or an
 * amount or fee mismatch; kosh captures in the report's window that it does not list are missing at the
 * gateway; a gateway settlement whose lines do not net to its bank credit is a settlement mismatch, and one whose
 * lines do is booked to the bank (Dr bank, Cr gateway_clearing, once per settlement). Differences
 * within tolerance are booked by balanced adjustment entries; the rest stay open. The
 * run, its items and its entries commit together; a bad report stores nothing.
 */
export async function reconcileSettlementReport(
  deps: { db: Db; clock: Clock },
  input: ReconcileReportInput,
): Promise<ReconRunDetail> {
  const tolerances = { ...DEFAULT_TOLERANCES, ...input.tolerances };
  checkTolerance('fee_tolerance', tolerances.feeToleranceMinor);
  checkTolerance('amount_tolerance', tolerances.amountToleranceMinor);
  if (
    input.windowStart !== undefined &&
    input.windowEnd !== undefined &&
    input.windowStart !== null &&
    input.windowEnd !== null &&
    input.windowStart > input.windowEnd
  ) {
    throw invalid('invalid_window', 'the window starts after it ends', [
      { field: '/from', code: 'invalid_window', message: 'must not be after to' },
    ]);
  }
  if ('csv' in input.report && input.report.csv.trim() === '') {
    throw malformed('invalid_report', 'the report is empty; nothing was stored', [
      { field: '/', code: 'empty_report', message: 'send the CSV with its header line' },
    ]);
  }

  const id = newId('rcn');
  const key = id.slice('rcn_'.length);
  const at = deps.clock.now();
  const unit = input.unit ?? 'paise';
  let file: string;
  let temporary = false;
  if ('csv' in input.report) {
    file = path.join(tmpdir(), `kosh-recon-${key}.csv`);
    writeFileSync(file, input.report.csv, { mode: 0o600 });
    temporary = true;
  } else {
    file = input.report.path;
  }
  try {
    await deps.db.transaction(async (tx) => {
      await stageSettlementReport(tx, { path: file, unit });
      const span = await tx.one<{ lines: number; window_start: Date | null; window_end: Date | null }>(REPORT_WINDOW);
      const windowStart = input.windowStart === undefined ? (span?.window_start ?? null) : input.windowStart;
      const windowEnd = input.windowEnd === undefined ? (span?.window_end ?? null) : input.windowEnd;
      await tx.run(COMPARE_REPORT);
      const params = {
        run_id: id,
        key,
        at,
        fee_tolerance: tolerances.feeToleranceMinor,
        amount_tolerance: tolerances.amountToleranceMinor,
      };
      await tx.run(INSERT_REPORT_ITEMS, params);
      if (windowStart !== null && windowEnd !== null) {
        await tx.run(INSERT_MISSING_AT_GATEWAY, {
          run_id: id,
          key,
          at,
          window_start: windowStart,
          window_end: windowEnd,
        });
      }
      const settlements =
        input.settlements === undefined || input.settlements.length === 0
          ? null
          : JSON.stringify(
              input.settlements.map((s) => ({
                id: s.id,
                utr: s.utr,
                amount: s.amount,
                fees: s.fees,
                tax: s.tax,
                status: s.status,
                created_at: new Date(s.createdAt * 1000).toISOString(),
              })),
            );
      if (settlements !== null) await tx.run(INSERT_SETTLEMENT_MISMATCHES, { run_id: id, key, at, settlements });
      await postEntries(tx, POST_RUN_ADJUSTMENTS, { run_id: id, at });
      await tx.run(INSERT_RUN, {
        id,
        source: input.source,
        report_date: input.reportDate ?? null,
        amount_unit: unit,
        window_start: windowStart,
        window_end: windowEnd,
        fee_tolerance: tolerances.feeToleranceMinor,
        amount_tolerance: tolerances.amountToleranceMinor,
        report_lines: span?.lines ?? 0,
        at,
      });
      // Settlements whose lines net to their bank credit are booked to the bank, once (after the run row they cite).
      if (settlements !== null) {
        await postEntries(tx, POST_SETTLEMENTS, { settlements });
        await tx.run(RECORD_SETTLEMENTS, { settlements, run_id: id, at });
      }
    });
  } finally {
    if (temporary) rmSync(file, { force: true });
  }
  return getReconciliationRun(deps, id);
}
