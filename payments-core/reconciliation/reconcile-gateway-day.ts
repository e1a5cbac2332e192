import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { istDate } from '../../platform/ist.js';
import type { PaymentGateway } from '../gateway/port.js';
import { reconcileSettlementReport } from './reconcile-settlement-report.js';
import { toSettlementReportCsv } from './report-csv.js';
import { settlementWindow } from './settlement-window.js';
import type { ReconRunDetail, ReconTolerances } from './types.js';

/**
 * Fetches the gateway's Settlement Recon report for one IST settlement day (`GET /v1/settlements/recon/combined`,
 * all pages: the lines of the settlements made that day) and reconciles it like an uploaded report; each settlement
 * the report names is fetched too (`GET /v1/settlements/:id`), so its bank credit is checked against its lines, and
 * booked to the bank when they agree. kosh expects in it the captures whose T+2 working-day settlement falls on that
 * day (settlement-window.ts), unless `windowStart`/`windowEnd` say otherwise: nothing captured since is missing.
 */
export async function reconcileGatewayDay(
  deps: { db: Db; clock: Clock; gateway: PaymentGateway },
  input: {
    date: string;
    tolerances?: Partial<ReconTolerances> | undefined;
    windowStart?: Date | undefined;
    windowEnd?: Date | undefined;
  },
): Promise<ReconRunDetail> {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.date);
  if (m === null || Number.isNaN(Date.parse(`${input.date}T00:00:00Z`)) || input.date > istDate(deps.clock.now())) {
    throw invalid('invalid_date', 'date must be a YYYY-MM-DD day (IST) not in the future', [
      { field: '/date', code: 'invalid_date', message: 'a past or current IST day, YYYY-MM-DD' },
    ]);
  }
  const entries = await deps.gateway.fetchSettlementReport({
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
  });
  const ids = [...new Set(entries.flatMap((e) => (e.settlementId === null ? [] : [e.settlementId])))];
  const settlements = [];
  for (const id of ids) settlements.push(await deps.gateway.fetchSettlement(id));
  const window = settlementWindow(input.date);
  const given = input.windowStart !== undefined || input.windowEnd !== undefined;
  return reconcileSettlementReport(deps, {
    source: 'gateway',
    settlements,
    report: { csv: toSettlementReportCsv(entries) },
    reportDate: input.date,
    tolerances: input.tolerances,
    windowStart: given ? input.windowStart : (window?.start ?? null),
    windowEnd: given ? input.windowEnd : (window?.end ?? null),
  });
}
