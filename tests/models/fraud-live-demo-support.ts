import { seedDemoData } from '../../data/seed.js';
import { seedDashboardDemo } from '../../data/seed-dashboard-demo.js';
import { IST_OFFSET_MS } from '../../features/fraud/feature-set.js';
import { loadOnlineFraudFeatures, type OnlineFraudFeatures } from '../../features/fraud/online-features.js';
import type { FraudModel } from '../../models/fraud/model.js';
import { loadRegisteredFraudModel } from '../../models/registry/load-model.js';
import type { RegisteredModel } from '../../models/registry/types.js';
import { trainFraud } from '../../pipelines/train-fraud.js';
import { NOW, type RegistryDeps } from './registry/support.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface LiveDemo {
  readonly registered: RegisteredModel;
  readonly model: FraudModel;
  readonly block: number;
  readonly review: number;
  readonly online: OnlineFraudFeatures;
  /** Known parents, each with the device, IP and method of their newest ordinary payment. */
  readonly parents: readonly Parent[];
}

export interface Parent {
  readonly id: string;
  readonly school_id: string;
  readonly method: string;
  readonly device: string;
  readonly ip: string;
}

/**
 * What `npm start` does on an empty database, at the tests' NOW: the demo data (churn on), the dashboard demo's
 * reviews and subscriptions, then the first fraud model trained (on this thread: the worker gives the same model).
 */
export async function seedAndTrainLiveDemo(deps: RegistryDeps, options: { payments: number }): Promise<LiveDemo> {
  await seedDemoData(deps, { seed: 42, payments: options.payments, churn: true });
  await seedDashboardDemo(deps, { seed: 42 });
  const trained = await trainFraud(deps, { seed: 42, inWorker: false });
  const model = await loadRegisteredFraudModel(deps, trained.model.id);
  const online = await loadOnlineFraudFeatures(deps, { now: NOW });
  const parents = await deps.db.all<Parent>(
    `SELECT DISTINCT ON (customer_id) customer_id AS id, school_id, payment_method_id AS method, device_id AS device, ip
     FROM payments WHERE fraud_label IS NULL ORDER BY customer_id, created_at DESC LIMIT 1000`,
  );
  return {
    registered: trained.model,
    model,
    block: Number(trained.model.thresholds['block']),
    review: Number(trained.model.thresholds['review']),
    online,
    parents,
  };
}

/** The first instant at or after `from` that is `minute` past IST hour `hour`. */
export function nextIstTime(from: Date, hour: number, minute = 30): Date {
  const istMidnight = Math.floor((from.getTime() + IST_OFFSET_MS) / DAY) * DAY - IST_OFFSET_MS;
  let t = istMidnight + hour * HOUR + minute * 60_000;
  if (t < from.getTime()) t += DAY;
  return new Date(t);
}

export interface HourRate {
  readonly hour_ist: number;
  readonly n: number;
  readonly blocked: number;
  readonly held: number;
  readonly block_rate: number;
  readonly review_rate: number;
}

/** How a parent pays in an experiment: the device, IP and method fingerprint of the attempt. */
export type Payer = (p: Parent, i: number) => { device: string | null; ip: string | null; method: string | null };

/** On their own device, IP and saved method (those of their newest ordinary payment). */
export const OWN: Payer = (p) => ({ device: p.device, ip: p.ip, method: p.method });
/** The same device and method, from an IP they have never used (a neighbour of the README tour's 117.217.74.98). */
export const NEW_IP: Payer = (p, i) => ({
  device: p.device,
  ip: `117.217.${74 + (i >> 8)}.${i & 255}`,
  method: p.method,
});
/**
 * As the README tour pays: a UPI intent (no saved method), no device id sent, from the tour's IP (new to the parent).
 */
export const TOUR: Payer = () => ({ device: null, ip: '117.217.74.98', method: null });

/**
 * Ordinary ₹1,100 payments by every known parent, scored live against the online store at `hour:minute` IST (the
 * first such instant after NOW, within the coming day), paid as `payer` says.
 */
export function scoreAt(demo: LiveDemo, payer: Payer, hour: number, minute = 30, amount = 110_000): HourRate {
  const at = nextIstTime(NOW, hour, minute);
  let blocked = 0;
  let held = 0;
  for (const [i, p] of demo.parents.entries()) {
    const how = payer(p, i);
    const score = demo.model.score(
      demo.online.vector({
        id: `pay_live${hour}_${i}`,
        customer_id: p.id,
        school_id: p.school_id,
        amount,
        method_fingerprint: how.method,
        device_id: how.device,
        ip: how.ip,
        at: new Date(at.getTime() + i * 1000),
      }),
    );
    if (score >= demo.block) blocked++;
    else if (score >= demo.review) held++;
  }
  const n = demo.parents.length;
  return { hour_ist: hour, n, blocked, held, block_rate: blocked / n, review_rate: held / n };
}

/** `scoreAt` at hh:30 IST for each of the 24 hours. */
export function scoreEveryHour(demo: LiveDemo, payer: Payer): HourRate[] {
  return Array.from({ length: 24 }, (_, hour) => scoreAt(demo, payer, hour));
}

/** One line per experiment for a report: `hour blocked/held` for the 24 hours. */
export function hourLine(rates: readonly HourRate[]): string {
  return rates.map((h) => `${String(h.hour_ist).padStart(2, '0')}h ${h.blocked}/${h.held}`).join(' ');
}
