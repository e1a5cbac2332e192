/**
 * The simulator's settlements and Settlement Recon report, built from the payments it captured and the refunds it
 * processed, settled as Razorpay settles: on a cycle of working days after the IST day of capture (default T+2,
 * "The settlement cycle is T+2 days for domestic payments", https://razorpay.com/docs/api/settlements; working days
 * as platform/bank-days.ts says, the `settlementCycleDays` option of the simulator sets the cycle). Each settlement
 * day is one settlement (`setl_Sim<yyyymmdd>`, UTR `SIMUTR<yyyymmdd>X`), made at the first second of that IST day
 * (T+0: at the capture) and only once that moment has come on the simulator's clock: what is not settled yet is in
 * no report and no settlement.
 *
 *   GET /v1/settlements/recon/combined?year=&month=[&day=] (`count`/`skip` pages): the lines of the settlements made
 *     that day, or that month without `day`, by settlement date, each with its `settled_at`, `settlement_id` and
 *     `settlement_utr` ("all transactions … settled to your account on a particular day or month",
 *     https://razorpay.com/docs/api/settlements/fetch-recon).
 *   GET /v1/settlements/:id (https://razorpay.com/docs/api/settlements/fetch-with-id) and GET /v1/settlements
 *     (`from`, `to` unix seconds on `created_at`, `count` default 10 at most 100, `skip`;
 *     https://razorpay.com/docs/api/settlements/fetch-all), newest first.
 *
 * Discrepancies make the demo a real reconciliation: configured with `POST /v1/sim/settlements/discrepancies`
 * (kept for later reports) or per request in the query, merged:
 *   drop=pay_a,rfnd_b          leave these entities out of the report
 *   alter_amount=pay_a:100     report the amount 100 paise higher (negative: lower)
 *   alter_fee=pay_a:-50        report the fee 50 paise lower (the GST on it unchanged)
 *   unknown=2                  add 2 captured payments kosh has never seen to each settlement day asked for
 */

import { settlementDayOf } from '../../../platform/bank-days.js';
import { IST_OFFSET_MS } from '../../../platform/ist.js';
import { razorpayFee } from '../fees.js';

type Json = Record<string, unknown>;

interface SimPayment {
  readonly id: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: string;
  readonly order_id: string;
  readonly method: string;
  readonly captured: boolean;
  readonly fee: number | null;
  readonly tax: number | null;
  readonly [key: string]: unknown;
}
interface SimRefund {
  readonly id: string;
  readonly amount: number;
  readonly currency: string;
  readonly payment_id: string;
  readonly status: string;
  readonly [key: string]: unknown;
}
interface SimOrder {
  readonly receipt: string | null;
  readonly [key: string]: unknown;
}

export interface SettlementDiscrepancies {
  readonly drop: readonly string[];
  readonly alterAmount: Readonly<Record<string, number>>;
  readonly alterFee: Readonly<Record<string, number>>;
  readonly unknown: number;
}

/** yyyymmdd of the IST day holding unix time `t`. */
const dayLabel = (t: number) =>
  new Date((t + IST_OFFSET_MS / 1000) * 1000).toISOString().slice(0, 10).replace(/-/g, '');

const NONE: SettlementDiscrepancies = { drop: [], alterAmount: {}, alterFee: {}, unknown: 0 };
const IST_OFFSET_S = IST_OFFSET_MS / 1000;
const ID = /^[A-Za-z]+_[A-Za-z0-9]+$/;

/** The report and its discrepancy setting over the simulator's own maps; `badRequest` makes its 400s. */
export function createSettlementReports(state: {
  payments: ReadonlyMap<string, SimPayment>;
  refunds: ReadonlyMap<string, SimRefund>;
  orders: ReadonlyMap<string, SimOrder>;
  badRequest: (description: string, field?: string) => Error;
  /** The simulator's clock, unix seconds: a settlement exists once its moment has come. */
  now: () => number;
  /** The settlement cycle in working days (T+n). */
  cycleDays: () => number;
  /** When a payment was captured or a refund processed, on the simulator's clock; else its `created_at` (history). */
  transactedAt: (entityId: string) => number | undefined;
}) {
  let configured = NONE;

  const ids = (value: unknown, field: string): string[] => {
    const list = Array.isArray(value) ? value.map(String) : String(value ?? '').split(',');
    const out = list.map((s) => s.trim()).filter((s) => s !== '');
    if (out.some((s) => !ID.test(s))) throw state.badRequest(`${field}: a list of entity ids`, field);
    return out;
  };
  const deltas = (value: unknown, field: string): Record<string, number> => {
    const entries: [string, unknown][] =
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? Object.entries(value)
        : String(value ?? '')
            .split(',')
            .filter((pair) => pair.trim() !== '')
            .map((pair) => {
              const [entity = '', delta = ''] = pair.split(':');
              return [entity.trim(), delta.trim() === '' ? Number.NaN : Number(delta)];
            });
    const out: Record<string, number> = {};
    for (const [entity, delta] of entries) {
      if (!ID.test(entity) || typeof delta !== 'number' || !Number.isSafeInteger(delta)) {
        throw state.badRequest(`${field}: entity_id:paise pairs`, field);
      }
      out[entity] = delta;
    }
    return out;
  };
  const parse = (get: (name: string) => unknown): SettlementDiscrepancies => {
    const unknown = Number(get('unknown') ?? 0);
    if (!Number.isSafeInteger(unknown) || unknown < 0 || unknown > 1000) {
      throw state.badRequest('unknown: a count from 0 to 1000', 'unknown');
    }
    return {
      drop: ids(get('drop'), 'drop'),
      alterAmount: deltas(get('alter_amount'), 'alter_amount'),
      alterFee: deltas(get('alter_fee'), 'alter_fee'),
      unknown,
    };
  };

  /** Unix-second bounds of the IST day or month asked for. */
  const period = (q: URLSearchParams): [number, number] => {
    const year = Number(q.get('year'));
    const month = Number(q.get('month'));
    const day = q.get('day') === null ? null : Number(q.get('day'));
    if (!Number.isInteger(year) || year < 2000 || year > 2100)
      throw state.badRequest('The year field is required.', 'year');
    if (!Number.isInteger(month) || month < 1 || month > 12)
      throw state.badRequest('The month field is required.', 'month');
    if (day !== null && (!Number.isInteger(day) || day < 1 || day > 31)) throw state.badRequest('Invalid day', 'day');
    const start = Date.UTC(year, month - 1, day ?? 1) / 1000 - IST_OFFSET_S;
    const end = (day === null ? Date.UTC(year, month, 1) : Date.UTC(year, month - 1, day + 1)) / 1000 - IST_OFFSET_S;
    return [start, end];
  };

  /** The IST day `yyyy-mm-dd` of unix time `t`, and the unix time an IST day starts. */
  const istDay = (t: number) => new Date((t + IST_OFFSET_S) * 1000).toISOString().slice(0, 10);
  const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000 - IST_OFFSET_S;
  const settlementFor = (settledAt: number) => {
    const label = dayLabel(settledAt);
    return { settlement_id: `setl_Sim${label}`, settlement_utr: `SIMUTR${label}X` };
  };
  /** When an entity transacted at `t` is settled: the first second of its settlement day (T+0: at `t`). */
  const settledAtOf = (t: number) => Math.max(dayStart(settlementDayOf(istDay(t), state.cycleDays())), t);

  /**
   * The lines of the settlements made in [start, end) (unix seconds, by settlement time) and already made on the
   * simulator's clock, as reported with discrepancies `d`, by creation time.
   */
  function entries(start: number, end: number, d: SettlementDiscrepancies): Json[] {
    const now = state.now();
    const createdAt = (e: { readonly [key: string]: unknown }) => Number(e['created_at'] ?? 0);
    const settled = (e: { readonly id: string; readonly [key: string]: unknown }) => {
      const at = settledAtOf(state.transactedAt(e.id) ?? createdAt(e));
      return at >= start && at < end && at <= now ? at : null;
    };
    const items: Json[] = [];
    for (const p of state.payments.values()) {
      const at = p.captured ? settled(p) : null;
      if (at === null) continue;
      const amount = p.amount + (d.alterAmount[p.id] ?? 0);
      const fee = (p.fee ?? 0) + (d.alterFee[p.id] ?? 0);
      items.push(
        entry(p.id, 'payment', 0, amount - fee, amount, p.currency, fee, p.tax ?? 0, createdAt(p), at, {
          ...settlementFor(at),
          order_id: p.order_id,
          order_receipt: state.orders.get(p.order_id)?.receipt ?? null,
          method: p.method,
          payment_id: null,
        }),
      );
    }
    for (const r of state.refunds.values()) {
      const at = r.status === 'processed' ? settled(r) : null;
      if (at === null) continue;
      const payment = state.payments.get(r.payment_id);
      const amount = r.amount + (d.alterAmount[r.id] ?? 0);
      items.push(
        entry(r.id, 'refund', amount, 0, amount, r.currency, 0, 0, createdAt(r), at, {
          ...settlementFor(at),
          order_id: payment?.order_id ?? null,
          order_receipt: null,
          method: payment?.method ?? null,
          payment_id: r.payment_id,
        }),
      );
    }
    // Payments kosh never saw, in each settlement day asked for that has come (captured two days before).
    for (let day = start; d.unknown > 0 && day < end && day <= now; day += 86_400) {
      const label = dayLabel(day);
      for (let i = 0; i < d.unknown; i++) {
        const amount = 10_000 * (i + 1);
        const { fee, tax } = razorpayFee(amount);
        items.push(
          entry(
            `pay_SimUnknown${label}${i}`,
            'payment',
            0,
            amount - fee,
            amount,
            'INR',
            fee,
            tax,
            day - 172_800 + 3600,
            day,
            {
              ...settlementFor(day),
              order_id: `order_SimUnknown${label}${i}`,
              order_receipt: null,
              method: 'upi',
              payment_id: null,
            },
          ),
        );
      }
    }
    const dropped = new Set(d.drop);
    const kept = items.filter((e) => !dropped.has(String(e['entity_id'])));
    kept.sort(
      (a, b) =>
        Number(a['created_at']) - Number(b['created_at']) ||
        String(a['entity_id']).localeCompare(String(b['entity_id'])),
    );
    return kept;
  }

  function report(q: URLSearchParams): Json {
    const [start, end] = period(q);
    const count = Math.min(Math.max(Number(q.get('count') ?? 10) || 10, 1), 1000);
    const skip = Math.max(Number(q.get('skip') ?? 0) || 0, 0);
    const asked = parse((name) => q.get(name) ?? undefined);
    const d: SettlementDiscrepancies = {
      drop: [...configured.drop, ...asked.drop],
      alterAmount: { ...configured.alterAmount, ...asked.alterAmount },
      alterFee: { ...configured.alterFee, ...asked.alterFee },
      unknown: configured.unknown + asked.unknown,
    };
    const page = entries(start, end, d).slice(skip, skip + count);
    return { entity: 'collection', count: page.length, items: page };
  }

  /**
   * The settlement entity (https://razorpay.com/docs/api/settlements/entity) of each settlement among `items`,
   * `processed`, `fees`/`tax` 0 as for a normal (not instant) settlement. Its `amount` is what the bank was credited:
   * the real entries net (credit − debit), with the payments kosh never saw (`unknown`, real at the gateway) but
   * without `drop`/`alter_*`, which misreport the report only; so a misreported day's lines do not add up to its
   * settlement.
   */
  function settlementsOf(items: readonly Json[]): Json[] {
    const byId = new Map<string, Json[]>();
    for (const e of items) {
      const id = String(e['settlement_id']);
      byId.set(id, [...(byId.get(id) ?? []), e]);
    }
    return [...byId].map(([id, lines]) => ({
      id,
      entity: 'settlement',
      amount: lines.reduce((sum, e) => sum + Number(e['credit']) - Number(e['debit']), 0),
      status: 'processed',
      fees: 0,
      tax: 0,
      utr: lines[0]?.['settlement_utr'],
      created_at: Math.max(...lines.map((e) => Number(e['settled_at']))),
    }));
  }
  const real = () => ({ ...NONE, unknown: configured.unknown });

  /** `GET /v1/settlements/:id`; an unknown id (or one not made yet) is Razorpay's 400 "The id provided does not exist." */
  function settlement(id: string): Json {
    const m = /^setl_Sim(\d{4})(\d{2})(\d{2})$/.exec(id);
    const start = m === null ? Number.NaN : dayStart(`${m[1]}-${m[2]}-${m[3]}`);
    const found = Number.isNaN(start) ? undefined : settlementsOf(entries(start, start + 86_400, real()))[0];
    if (found === undefined || found['id'] !== id) throw state.badRequest('The id provided does not exist.', 'id');
    return found;
  }

  /** `GET /v1/settlements`: every settlement made so far with `created_at` in [from, to], newest first, paged. */
  function list(q: URLSearchParams): Json {
    const number = (name: string, fallback: number, min: number, max: number) => {
      const raw = q.get(name);
      const value = raw === null || raw === '' ? fallback : Number(raw);
      if (!Number.isSafeInteger(value) || value < min) throw state.badRequest(`The ${name} must be an integer.`, name);
      if (value > max) throw state.badRequest(`The ${name} may not be greater than ${max}.`, name);
      return value;
    };
    const from = number('from', 0, 0, Number.MAX_SAFE_INTEGER);
    const to = number('to', state.now(), 0, Number.MAX_SAFE_INTEGER);
    const count = number('count', 10, 1, 100);
    const skip = number('skip', 0, 0, Number.MAX_SAFE_INTEGER);
    // Each as GET /v1/settlements/:id answers it (its amount with the payments kosh never saw).
    const all = settlementsOf(entries(0, to + 1, { ...NONE }))
      .map((s) => settlement(String(s['id'])))
      .filter((s) => Number(s['created_at']) >= from && Number(s['created_at']) <= to)
      .sort((a, b) => Number(b['created_at']) - Number(a['created_at']));
    const page = all.slice(skip, skip + count);
    return { entity: 'collection', count: page.length, items: page };
  }

  return {
    report,
    settlement,
    list,
    /** Replaces the discrepancies applied to every later report; answers the new setting. */
    configure(body: Json): Json {
      configured = parse((name) => body[name]);
      return {
        drop: configured.drop,
        alter_amount: configured.alterAmount,
        alter_fee: configured.alterFee,
        unknown: configured.unknown,
      };
    },
  };
}

function entry(
  entityId: string,
  type: 'payment' | 'refund',
  debit: number,
  credit: number,
  amount: number,
  currency: string,
  fee: number,
  tax: number,
  createdAt: number,
  settledAt: number,
  rest: Json,
): Json {
  return {
    entity_id: entityId,
    type,
    debit,
    credit,
    amount,
    currency,
    fee,
    tax,
    on_hold: false,
    settled: true,
    created_at: createdAt,
    settled_at: settledAt,
    posted_at: null,
    credit_type: 'default',
    description: null,
    notes: null,
    card_network: null,
    card_issuer: null,
    card_type: null,
    dispute_id: null,
    ...rest,
  };
}
