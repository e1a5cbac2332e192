import type { GatewaySettlementEntry } from '../gateway/port.js';
import { OPTIONAL_COLUMNS, REQUIRED_COLUMNS } from './repository.js';

/** The Settlement Recon columns kosh writes, in Razorpay's order and names: the ones it reads. */
const HEADER = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];

const cell = (v: string | number | boolean | null): string => {
  return v === null ? '' : quoteCsv(String(v));
};

/** RFC 4180: a field holding a comma, quote or line break is quoted, its quotes doubled. */
export function quoteCsv(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Gateway entries as a Settlement Recon CSV (amounts in paise, times in unix seconds): the one import path. */
export function toSettlementReportCsv(entries: readonly GatewaySettlementEntry[]): string {
  const lines = [HEADER.join(',')];
  for (const e of entries) {
    lines.push(
      [
        e.entityId,
        e.type,
        e.debit,
        e.credit,
        e.amount,
        e.currency,
        e.fee,
        e.tax,
        e.onHold,
        e.settled,
        e.createdAt,
        e.settledAt,
        e.settlementId,
        e.settlementUtr,
        e.orderId,
        e.orderReceipt,
        e.method,
        e.paymentId,
      ]
        .map(cell)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
