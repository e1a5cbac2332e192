import type { PaymentGateway } from '../payments-core/gateway/port.js';
import type { RazorpaySimulator, SimulatorHistory } from '../payments-core/gateway/simulator/server.js';
import { reconcileGatewayDay } from '../payments-core/reconciliation/reconcile-gateway-day.js';
import { GATEWAY_RUN_FOR_DATE } from '../payments-core/reconciliation/repository.js';
import type { ReconRunDetail } from '../payments-core/reconciliation/types.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { istDate } from '../platform/ist.js';

const LATEST_SETTLED_DAY = `
SELECT to_char(max(created_at) AT TIME ZONE 'Asia/Kolkata', 'YYYY-MM-DD') AS day
FROM payments WHERE status = 'captured' AND gateway_payment_id IS NOT NULL AND created_at < $before`;
const DAY_PAYMENTS = `
SELECT p.gateway_payment_id AS id, o.gateway_order_id AS order_id, p.order_id AS receipt, o.amount_minor AS order_amount,
       o.created_at AS order_created_at, p.amount_minor AS amount, p.currency, p.method, p.fee_minor AS fee,
       p.tax_minor AS tax, p.refunded_minor AS amount_refunded, p.created_at
FROM payments p JOIN orders o ON o.id = p.order_id
WHERE p.status = 'captured' AND p.gateway_payment_id IS NOT NULL AND o.gateway_order_id IS NOT NULL
  AND p.created_at >= CAST($day AS TIMESTAMP) AT TIME ZONE 'Asia/Kolkata'
  AND p.created_at < (CAST($day AS TIMESTAMP) + INTERVAL '1 day') AT TIME ZONE 'Asia/Kolkata'
ORDER BY p.created_at, p.id`;
const DAY_REFUNDS = `
SELECT r.gateway_refund_id AS id, p.gateway_payment_id AS payment_id, r.amount_minor AS amount, r.currency, r.created_at
FROM refunds r JOIN payments p ON p.id = r.payment_id
WHERE r.status = 'processed' AND r.gateway_refund_id IS NOT NULL AND p.gateway_payment_id IS NOT NULL
  AND r.created_at >= CAST($day AS TIMESTAMP) AT TIME ZONE 'Asia/Kolkata'
  AND r.created_at < (CAST($day AS TIMESTAMP) + INTERVAL '1 day') AT TIME ZONE 'Asia/Kolkata'`;

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * The demo's reconciliation: the built-in simulator keeps its state in memory, so it is handed the demo
 * history of the latest day with captured payments (as Razorpay would hold it), told to misreport a few
 * entries (one left out, one fee 40 paise high: within tolerance, one fee ₹5 high, one amount ₹1 high, one
 * payment kosh never saw), and that day is reconciled from the gateway through the SDK adapter, as the daily
 * job does. Once per day reconciled: a later start finds the run and does nothing.
 */
export async function runDemoReconciliation(deps: {
  db: Db;
  clock: Clock;
  gateway: PaymentGateway;
  simulator: RazorpaySimulator;
}): Promise<ReconRunDetail | null> {
  const today = istDate(deps.clock.now());
  const before = new Date(`${today}T00:00:00+05:30`);
  const day = (await deps.db.one<{ day: string | null }>(LATEST_SETTLED_DAY, { before }))?.day ?? null;
  if (day === null || (await deps.db.one(GATEWAY_RUN_FOR_DATE, { report_date: day })) !== undefined) return null;

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
  }>(DAY_PAYMENTS, { day });
  const refunds = await deps.db.all<{
    id: string;
    payment_id: string;
    amount: number;
    currency: string;
    created_at: Date;
  }>(DAY_REFUNDS, { day });
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

  // Misreport entries from the middle of the day, so the report's window still covers the dropped one.
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
  return reconcileGatewayDay(deps, { date: day });
}
