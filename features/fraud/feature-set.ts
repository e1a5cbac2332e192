/**
 * The fraud feature set, declared once. `online-features.ts` computes it per event from memory and
 * `offline-features.ts` in DuckDB SQL; tests/features/fraud-parity.test.ts demands identical vectors.
 *
 * Point-in-time rule: the vector of an attempt at `at` sees only events strictly before `at` (an attempt at
 * its `created_at`, a failure at its `failed_at`). Events at exactly `at` — the attempt itself included — are
 * not visible. A window `w` covers `[at − w, at)`.
 */
import { IST_OFFSET_MS } from '../../platform/ist.js';
export const FRAUD_FEATURE_SET_VERSION = 'fraud-v1';

export interface FraudAttempt {
  readonly id: string; // kosh payment id (or a client attempt id when scored before creation)
  readonly customer_id: string;
  readonly school_id: string;
  readonly amount: number; // paise
  readonly method_fingerprint: string | null; // payment_method_id, or 'vpa:<vpa>' for a raw VPA
  readonly device_id: string | null;
  readonly ip: string | null;
  readonly at: Date;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The entities whose recent attempts are counted and summed, in vector order. */
export const FRAUD_ENTITIES = ['customer', 'method', 'device', 'ip'] as const;
export type FraudEntity = (typeof FRAUD_ENTITIES)[number];

/** Velocity windows, in vector order; `sql` is the DuckDB interval of the same length. */
export const FRAUD_WINDOWS = [
  { name: '10m', ms: 10 * MINUTE, sql: 'INTERVAL 10 MINUTE' },
  { name: '1h', ms: HOUR, sql: 'INTERVAL 1 HOUR' },
  { name: '24h', ms: DAY, sql: 'INTERVAL 24 HOUR' },
  { name: '7d', ms: 7 * DAY, sql: 'INTERVAL 7 DAY' },
] as const;

/** Failures are counted over the last hour. */
export const FAILURE_WINDOW_MS = HOUR;
/** Distinct methods per device are counted over the last 24 hours. */
export const DEVICE_METHODS_WINDOW_MS = DAY;
/**
 * A failure counts only when it is recorded less than 7 days after its attempt was created: the online store
 * forgets attempts after that, so a later failure (a very late webhook) is ignored on both sides.
 */
export const FAILURE_HORIZON_MS = 7 * DAY;
/** The customer's median is the lower median of the amounts of their last 25 attempts before `at`. */
export const MEDIAN_HISTORY = 25;
/**
 * School risk prior: a Beta-smoothed failure rate of the school's attempts before `at`,
 * (failures + 4) / (attempts + 50), i.e. a prior of 8 % worth 50 attempts. Failures (not fraud labels)
 * because they are known the moment they happen: fraud labels arrive late and with no recorded arrival
 * time, so a label-based prior would leak the future offline and could not be reproduced online.
 */
export const SCHOOL_PRIOR_FAILURES = 4;
export const SCHOOL_PRIOR_ATTEMPTS = 50;
export { IST_OFFSET_MS };

const velocity = FRAUD_ENTITIES.flatMap((e) =>
  FRAUD_WINDOWS.flatMap((w) => [`${e}_count_${w.name}`, `${e}_sum_${w.name}`]),
);

/** Feature names; this order is the vector order. */
export const FRAUD_FEATURES: readonly string[] = Object.freeze([
  'amount',
  'hour_of_day_ist',
  ...velocity,
  ...FRAUD_ENTITIES.map((e) => `${e}_failures_1h`),
  'device_distinct_methods_24h',
  'customer_attempts_before',
  'amount_to_customer_median',
  'new_device',
  'new_method',
  'new_ip',
  'school_risk_prior',
]);

/** Vector positions, for the two implementations. */
export const F = {
  amount: 0,
  hour: 1,
  /** `velocity(e, w)` is the count; the sum follows it. */
  velocity: (entity: number, window: number) => 2 + (entity * FRAUD_WINDOWS.length + window) * 2,
  failures: (entity: number) => 2 + FRAUD_ENTITIES.length * FRAUD_WINDOWS.length * 2 + entity,
  deviceDistinctMethods: 38,
  customerAttemptsBefore: 39,
  amountToMedian: 40,
  newDevice: 41,
  newMethod: 42,
  newIp: 43,
  schoolPrior: 44,
} as const;

/** Hour of day (0–23) in Asia/Kolkata of an instant in epoch milliseconds. */
export function istHour(ms: number): number {
  return Math.floor(((((ms + IST_OFFSET_MS) % DAY) + DAY) % DAY) / HOUR);
}

/**
 * The method fingerprint of a payment: its saved method, else the raw VPA it was made with. Hazard: the database keeps
 * no fingerprint for a raw VPA (payment_method_id is NULL), so offline and rebuilt features treat it as NULL; pass
 * `{ payment_method_id }` alone where online must equal offline exactly.
 */
export function methodFingerprint(input: {
  readonly payment_method_id?: string | null | undefined;
  readonly vpa?: string | null | undefined;
}): string | null {
  if (input.payment_method_id) return input.payment_method_id;
  return input.vpa ? `vpa:${input.vpa}` : null;
}
