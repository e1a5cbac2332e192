import type { PaymentGateway } from '../payments-core/gateway/port.js';
import type { RazorpaySimulator, SimulatorHistory } from '../payments-core/gateway/simulator/server.js';
import { reconcileGatewayDay } from '../payments-core/reconciliation/reconcile-gateway-day.js';
import { GATEWAY_RUN_FOR_DATE } from '../payments-core/reconciliation/repository.js';
import { settlementWindow } from '../payments-core/reconciliation/settlement-window.js';
import type { ReconRunDetail } from '../payments-core/reconciliation/types.js';
import { addDays } from '../platform/bank-days.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { istDate } from '../platform/ist.js';

/** When a payment was captured (the gateway settles from that day). */
const CAPTURED = 'coalesce(p.captured_at, p.created_at)';
const CAPTURES_IN = `
SELECT count(*)::BIGINT AS n FROM payments p
WHERE p.status = 'captured' AND p.gateway_payment_id IS NOT NULL AND ${CAPTURED} BETWEEN $start AND $end`;
const WINDOW_PAYMENTS = `
SELECT p.gateway_payment_id AS id, o.gateway_order_id AS order_id, p.order_id AS receipt, o.amount_minor AS order_amount,
       o.created_at AS order_created_at, p.amount_minor AS amount, p.currency, p.method, p.fee_minor AS fee,
       p.tax_minor AS tax, p.refunded_minor AS amount_refunded, ${CAPTURED} AS created_at
FROM payments p JOIN orders o ON o.id = p.order_id
WHERE p.status = 'captured' AND p.gateway_payment_id IS NOT NULL AND o.gateway_order_id IS NOT NULL
  AND ${CAPTURED} BETWEEN $start AND $end
ORDER BY ${CAPTURED}, p.id`;
const WINDOW_REFUNDS = `
SELECT r.gateway_refund_id AS id, p.gateway_payment_id AS payment_id, r.amount_minor AS amount, r.currency, r.created_at
FROM refunds r JOIN payments p ON p.id = r.payment_id
WHERE r.status = 'processed' AND r.gateway_refund_id IS NOT NULL AND p.gateway_payment_id IS NOT NULL
  AND r.created_at BETWEEN $start AND $end`;

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * The demo's reconciliation: the built-in simulator keeps its state in memory, so it is handed the demo history
 * settled on the latest two settlement days up to today (T+2 working days after capture, as Razorpay settles), as
 * Razorpay would hold it. The earlier day is reconciled as it is reported: its settlement is booked to the bank. Then
 * the simulator is told to misreport a few entries of the latest day (one left out, one fee 40 paise high: within
 * tolerance, one fee ₹5 high, one amount ₹1 high, one payment kosh never saw), and that day is reconciled from the
 * gateway through the SDK adapter, as the daily job does: its settlement does not add up, so it stays open. Once per
 * day reconciled: a later start finds the run and does nothing.
 */
export async function runDemoReconciliation(deps: {
  db: Db;
  clock: Clock;
  gateway: PaymentGateway;
  simulator: RazorpaySimulator;
}): Promise<ReconRunDetail | null> {
  const today = istDate(deps.clock.now());
  const days: { day: string; start: Date; end: Date }[] = [];
  for (let back = 0; back <= 30 && days.length < 2; back++) {
    const day = addDays(today, -back);
    const window = settlementWindow(day);
    if (window === null) continue;
    const found = await deps.db.one<{ n: number }>(CAPTURES_IN, window);
    if (Number(found?.n ?? 0) > 0) days.push({ day, ...window });
  }
  const [latest, earlier] = days;
  if (latest === undefined || (await deps.db.one(GATEWAY_RUN_FOR_DATE, { report_date: latest.day })) !== undefined) {
    return null;
  }

  const load = async (window: { start: Date; end: Date }) => {
    const rows = await deps.db.all<{
      id: string;
      order_id: string;
      receipt: string;
      order_amount: number;
      order_created_at: Date;
      amount: number;
      currency: string;
      method: string;
      fee: number;
      tax: number;
      amount_refunded: number;
      created_at: Date;
    }>(WINDOW_PAYMENTS, window);
    const refunds = await deps.db.all<{
      id: string;
      payment_id: string;
      amount: number;
      currency: string;
      created_at: Date;
    }>(WINDOW_REFUNDS, window);
    const history: SimulatorHistory = {
      orders: rows.map((r) => ({
        id: r.order_id,
        amount: r.order_amount,
        currency: r.currency,
        receipt: r.receipt,
        created_at: seconds(r.order_created_at),
      })),
      payments: rows.map((r) => ({ ...r, created_at: seconds(r.created_at) })),
      refunds: refunds.map((r) => ({ ...r, created_at: seconds(r.created_at) })),
    };
    deps.simulator.preload(history);
    return rows;
  };

  if (earlier !== undefined && (await deps.db.one(GATEWAY_RUN_FOR_DATE, { report_date: earlier.day })) === undefined) {
    await load(earlier);
    await reconcileGatewayDay(deps, { date: earlier.day });
  }
  const rows = await load(latest);
  // Misreport entries from the middle of the window, so that one dropped is missing at the gateway.
  const middle = rows.slice(Math.floor(rows.length / 2) - 2, Math.floor(rows.length / 2) + 2).map((r) => r.id);
  if (middle.length === 4) {
    const [dropped = '', smallFee = '', bigFee = '', amount = ''] = middle;
    deps.simulator.misreport({
      drop: [dropped],
      alter_fee: { [smallFee]: 40, [bigFee]: 500 },
      alter_amount: { [amount]: 100 },
      unknown: 1,
    });
  }
  return reconcileGatewayDay(deps, { date: latest.day });
}
