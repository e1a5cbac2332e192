import type { Db } from '../../platform/db.js';
import {
  DEVICE_METHODS_WINDOW_MS,
  F,
  FAILURE_HORIZON_MS,
  FAILURE_WINDOW_MS,
  FRAUD_ENTITIES,
  FRAUD_FEATURES,
  FRAUD_WINDOWS,
  type FraudAttempt,
  istHour,
  MEDIAN_HISTORY,
  SCHOOL_PRIOR_ATTEMPTS,
  SCHOOL_PRIOR_FAILURES,
} from './feature-set.js';
import {
  LOAD_CUSTOMER_HISTORY,
  LOAD_FIRST_DEVICES,
  LOAD_FIRST_IPS,
  LOAD_FIRST_METHODS,
  LOAD_RECENT_ATTEMPTS,
  LOAD_SCHOOL_COUNTS,
} from './repository.js';

export interface OnlineFraudFeatures {
  /** The vector for `attempt` from events strictly before attempt.at (it does not record it). */
  vector(attempt: FraudAttempt): Float64Array;
  /** Records an attempt as it is created, and later its outcome when it fails. */
  record(attempt: FraudAttempt): void;
  recordFailure(attemptId: string, at: Date): void;
}

/** The store as built here: the contract plus what it holds now (for logs and the memory bound). */
export interface OnlineFraudStore extends OnlineFraudFeatures {
  stats(): OnlineFraudStats;
}

export interface OnlineFraudStats {
  readonly windowAttempts: number;
  readonly windowEntities: number;
  readonly customers: number;
  readonly schools: number;
}

const LONGEST_WINDOW_MS = FRAUD_WINDOWS[FRAUD_WINDOWS.length - 1]?.ms ?? 0;
/**
 * Window state older than the newest event seen minus this is dropped. The hour beyond the longest window
 * keeps vectors exact for attempts that arrive up to an hour out of order.
 */
export const RETENTION_MS = LONGEST_WINDOW_MS + 3_600_000;

/** First index in `xs[from..]` holding a value ≥ `x` (xs ascending). */
function lowerBound(xs: readonly number[], x: number, from: number): number {
  let lo = from;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((xs[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One entity's (customer, method, device or IP) attempts and failures inside the retention horizon. */
class Series {
  times: number[] = [];
  /** Running total of amounts, inclusive: sum over [i, j) = before(j) − before(i). Integers, so exact. */
  totals: number[] = [];
  /** Fingerprints of the attempts (devices only). */
  methods: (string | null)[] = [];
  head = 0;
  /** The running total of the attempts already dropped. */
  base = 0;
  failures: number[] = [];
  failureHead = 0;

  before(i: number): number {
    return i === 0 ? this.base : (this.totals[i - 1] as number);
  }

  add(t: number, amount: number, method: string | null): void {
    const n = this.times.length;
    if (n === this.head || (this.times[n - 1] as number) <= t) {
      this.times.push(t);
      this.totals.push(this.before(n) + amount);
      this.methods.push(method);
      return;
    }
    // Out of order: insert after every event at or before t and rebuild the running totals from there.
    let pos = lowerBound(this.times, t, this.head);
    while (pos < n && this.times[pos] === t) pos++;
    const tail: number[] = [];
    for (let i = pos; i < n; i++) tail.push((this.totals[i] as number) - this.before(i));
    let run = this.before(pos) + amount;
    this.times.splice(pos, 0, t);
    this.methods.splice(pos, 0, method);
    this.totals.length = pos;
    this.totals.push(run);
    for (const x of tail) {
      run += x;
      this.totals.push(run);
    }
  }

  addFailure(t: number): void {
    const n = this.failures.length;
    if (n === this.failureHead || (this.failures[n - 1] as number) <= t) this.failures.push(t);
    else this.failures.splice(lowerBound(this.failures, t, this.failureHead), 0, t);
  }

  /** Drops events before `horizon`; true when nothing is left. */
  trim(horizon: number): boolean {
    while (this.head < this.times.length && (this.times[this.head] as number) < horizon) this.head++;
    while (this.failureHead < this.failures.length && (this.failures[this.failureHead] as number) < horizon)
      this.failureHead++;
    if (this.head > 64 && this.head * 2 > this.times.length) {
      this.base = this.before(this.head);
      this.times = this.times.slice(this.head);
      this.totals = this.totals.slice(this.head);
      this.methods = this.methods.slice(this.head);
      this.head = 0;
    }
    if (this.failureHead > 64 && this.failureHead * 2 > this.failures.length) {
      this.failures = this.failures.slice(this.failureHead);
      this.failureHead = 0;
    }
    return this.head === this.times.length && this.failureHead === this.failures.length;
  }
}

/** A count that can exclude the events at exactly the newest timestamp (ties are not visible). */
class Counter {
  total = 0;
  lastT = Number.NEGATIVE_INFINITY;
  atLast = 0;
  add(t: number): void {
    this.total++;
    if (t > this.lastT) {
      this.lastT = t;
      this.atLast = 1;
    } else if (t === this.lastT) this.atLast++;
  }
  /** Events strictly before `at`; exact for `at` ≥ the newest event. */
  before(at: number): number {
    return at === this.lastT ? this.total - this.atLast : this.total;
  }
}

interface HistoryEntry {
  readonly t: number;
  readonly id: string;
  readonly amount: number;
}

/** All-time state of a customer: bounded by the distinct devices, methods and IPs they used, plus 25+ amounts. */
class CustomerState {
  readonly attempts = new Counter();
  readonly devices = new Map<string, number>();
  readonly methods = new Map<string, number>();
  readonly ips = new Map<string, number>();
  /** Sorted by (t, id): the last MEDIAN_HISTORY entries before the newest timestamp, plus all at it. */
  history: HistoryEntry[] = [];

  addHistory(e: HistoryEntry): void {
    const h = this.history;
    let pos = h.length;
    while (pos > 0) {
      const prev = h[pos - 1] as HistoryEntry;
      if (prev.t < e.t || (prev.t === e.t && prev.id <= e.id)) break;
      pos--;
    }
    h.splice(pos, 0, e);
    const lastT = (h[h.length - 1] as HistoryEntry).t;
    let firstAtLast = h.length - 1;
    while (firstAtLast > 0 && (h[firstAtLast - 1] as HistoryEntry).t === lastT) firstAtLast--;
    if (firstAtLast > MEDIAN_HISTORY) h.splice(0, firstAtLast - MEDIAN_HISTORY);
  }
}

interface SchoolState {
  readonly attempts: Counter;
  readonly failures: Counter;
}

interface Pending {
  readonly attempt: FraudAttempt;
  readonly t: number;
  failed: boolean;
}

const firstSeen = (m: Map<string, number>, key: string, t: number): void => {
  const prev = m.get(key);
  if (prev === undefined || t < prev) m.set(key, t);
};
/** 1 when `key` is known and was never seen for this customer before `at`. */
const isNew = (m: Map<string, number> | undefined, key: string | null, at: number): number => {
  if (key === null) return 0;
  const seen = m?.get(key);
  return seen === undefined || seen >= at ? 1 : 0;
};

const entityKeys = (a: FraudAttempt): (string | null)[] => [a.customer_id, a.method_fingerprint, a.device_id, a.ip];

/**
 * The in-memory store. Memory: window state holds every attempt (and failure) of the last 7 days + 1 hour
 * (a few numbers per attempt per entity, plus the pending-attempt map for `recordFailure`); all-time state is
 * per customer (an attempt count, first-seen maps of their devices, methods and IPs, and ≤ 25 amounts beyond
 * ties) and per school (two counters).
 */
export function createOnlineFraudFeatures(): OnlineFraudStore & {
  /** Seeds all-time state when rebuilding from the database (load only). */
  restoreCustomer(customerId: string, attempts: number, history: readonly HistoryEntry[]): void;
  restoreFirstSeen(kind: 'device' | 'method' | 'ip', customerId: string, key: string, t: number): void;
  restoreSchool(schoolId: string, attempts: number, failures: number): void;
} {
  const entities: Map<string, Series>[] = FRAUD_ENTITIES.map(() => new Map());
  const customers = new Map<string, CustomerState>();
  const schools = new Map<string, SchoolState>();
  const pending = new Map<string, Pending>();
  /** Pending attempts in arrival order, for eviction. */
  const queue: Pending[] = [];
  let queueHead = 0;
  /** Failures in arrival order, for eviction: [time, attempt]. */
  const failureQueue: { t: number; attempt: FraudAttempt }[] = [];
  let failureHead = 0;
  let newest = Number.NEGATIVE_INFINITY;
  const scratch = new Float64Array(MEDIAN_HISTORY);

  const customer = (id: string): CustomerState => {
    let c = customers.get(id);
    if (c === undefined) {
      c = new CustomerState();
      customers.set(id, c);
    }
    return c;
  };
  const school = (id: string): SchoolState => {
    let s = schools.get(id);
    if (s === undefined) {
      s = { attempts: new Counter(), failures: new Counter() };
      schools.set(id, s);
    }
    return s;
  };
  const series = (e: number, key: string): Series => {
    const m = entities[e] as Map<string, Series>;
    let s = m.get(key);
    if (s === undefined) {
      s = new Series();
      m.set(key, s);
    }
    return s;
  };
  const trimEntities = (a: FraudAttempt, horizon: number): void => {
    const keys = entityKeys(a);
    for (let e = 0; e < keys.length; e++) {
      const key = keys[e];
      if (key === null || key === undefined) continue;
      const m = entities[e] as Map<string, Series>;
      const s = m.get(key);
      if (s?.trim(horizon)) m.delete(key);
    }
  };
  const advance = (t: number): void => {
    if (t <= newest) return;
    newest = t;
    const horizon = newest - RETENTION_MS;
    while (queueHead < queue.length && (queue[queueHead] as Pending).t < horizon) {
      const p = queue[queueHead++] as Pending;
      if (pending.get(p.attempt.id) === p) pending.delete(p.attempt.id);
      trimEntities(p.attempt, horizon);
    }
    while (failureHead < failureQueue.length && (failureQueue[failureHead] as { t: number }).t < horizon) {
      trimEntities((failureQueue[failureHead++] as { attempt: FraudAttempt }).attempt, horizon);
    }
    if (queueHead > 1024 && queueHead * 2 > queue.length) {
      queue.splice(0, queueHead);
      queueHead = 0;
    }
    if (failureHead > 1024 && failureHead * 2 > failureQueue.length) {
      failureQueue.splice(0, failureHead);
      failureHead = 0;
    }
  };

  const vector = (a: FraudAttempt): Float64Array => {
    const at = a.at.getTime();
    const v = new Float64Array(FRAUD_FEATURES.length);
    v[F.amount] = a.amount;
    v[F.hour] = istHour(at);
    const keys = entityKeys(a);
    for (let e = 0; e < keys.length; e++) {
      const key = keys[e];
      if (key === null || key === undefined) continue;
      const s = entities[e]?.get(key);
      if (s === undefined) continue;
      const hi = lowerBound(s.times, at, s.head);
      const upTo = s.before(hi);
      for (let w = 0; w < FRAUD_WINDOWS.length; w++) {
        const lo = lowerBound(s.times, at - (FRAUD_WINDOWS[w] as { ms: number }).ms, s.head);
        const i = F.velocity(e, w);
        v[i] = hi - lo;
        v[i + 1] = upTo - s.before(lo);
      }
      v[F.failures(e)] =
        lowerBound(s.failures, at, s.failureHead) - lowerBound(s.failures, at - FAILURE_WINDOW_MS, s.failureHead);
      if (e === 2) {
        const lo = lowerBound(s.times, at - DEVICE_METHODS_WINDOW_MS, s.head);
        const seen: string[] = [];
        for (let i = lo; i < hi; i++) {
          const m = s.methods[i];
          if (m !== null && m !== undefined && !seen.includes(m)) seen.push(m);
        }
        v[F.deviceDistinctMethods] = seen.length;
      }
    }
    const c = customers.get(a.customer_id);
    v[F.customerAttemptsBefore] = c === undefined ? 0 : c.attempts.before(at);
    let median = 0;
    if (c !== undefined) {
      const h = c.history;
      let end = h.length;
      while (end > 0 && (h[end - 1] as HistoryEntry).t >= at) end--;
      const start = Math.max(0, end - MEDIAN_HISTORY);
      const n = end - start;
      if (n > 0) {
        // Insertion sort of ≤ 25 amounts into a reused buffer, then the lower median.
        for (let i = 0; i < n; i++) {
          const x = (h[start + i] as HistoryEntry).amount;
          let j = i;
          while (j > 0 && (scratch[j - 1] as number) > x) {
            scratch[j] = scratch[j - 1] as number;
            j--;
          }
          scratch[j] = x;
        }
        median = scratch[(n - 1) >> 1] as number;
      }
    }
    v[F.amountToMedian] = median > 0 ? a.amount / median : 1;
    v[F.newDevice] = isNew(c?.devices, a.device_id, at);
    v[F.newMethod] = isNew(c?.methods, a.method_fingerprint, at);
    v[F.newIp] = isNew(c?.ips, a.ip, at);
    const s = schools.get(a.school_id);
    const attempts = s === undefined ? 0 : s.attempts.before(at);
    const failures = s === undefined ? 0 : s.failures.before(at);
    v[F.schoolPrior] = (failures + SCHOOL_PRIOR_FAILURES) / (attempts + SCHOOL_PRIOR_ATTEMPTS);
    return v;
  };

  const record = (a: FraudAttempt): void => {
    if (pending.has(a.id)) return; // recorded already
    const t = a.at.getTime();
    const p: Pending = { attempt: a, t, failed: false };
    pending.set(a.id, p);
    queue.push(p);
    const keys = entityKeys(a);
    for (let e = 0; e < keys.length; e++) {
      const key = keys[e];
      if (key === null || key === undefined) continue;
      series(e, key).add(t, a.amount, e === 2 ? a.method_fingerprint : null);
    }
    const c = customer(a.customer_id);
    c.attempts.add(t);
    if (a.device_id !== null) firstSeen(c.devices, a.device_id, t);
    if (a.method_fingerprint !== null) firstSeen(c.methods, a.method_fingerprint, t);
    if (a.ip !== null) firstSeen(c.ips, a.ip, t);
    c.addHistory({ t, id: a.id, amount: a.amount });
    school(a.school_id).attempts.add(t);
    advance(t);
  };

  const recordFailure = (attemptId: string, at: Date): void => {
    const p = pending.get(attemptId);
    const t = at.getTime();
    if (p === undefined || p.failed || t - p.t >= FAILURE_HORIZON_MS) return;
    p.failed = true;
    const keys = entityKeys(p.attempt);
    for (let e = 0; e < keys.length; e++) {
      const key = keys[e];
      if (key === null || key === undefined) continue;
      series(e, key).addFailure(t);
    }
    school(p.attempt.school_id).failures.add(t);
    failureQueue.push({ t, attempt: p.attempt });
    advance(t);
  };

  return {
    vector,
    record,
    recordFailure,
    stats: () => ({
      windowAttempts: pending.size,
      windowEntities: entities.reduce((n, m) => n + m.size, 0),
      customers: customers.size,
      schools: schools.size,
    }),
    restoreCustomer: (customerId, attempts, history) => {
      const c = customer(customerId);
      c.attempts.total += attempts;
      for (const e of history) c.addHistory(e);
    },
    restoreFirstSeen: (kind, customerId, key, t) => {
      const c = customer(customerId);
      firstSeen(kind === 'device' ? c.devices : kind === 'method' ? c.methods : c.ips, key, t);
    },
    restoreSchool: (schoolId, attempts, failures) => {
      const s = school(schoolId);
      s.attempts.total += attempts;
      s.failures.total += failures;
    },
  };
}

interface RecentRow {
  id: string;
  customer_id: string;
  school_id: string;
  amount: number;
  method: string | null;
  device_id: string | null;
  ip: string | null;
  t: number;
  ft: number | null;
}

/**
 * Rebuilds the store from PostgreSQL as of `now` (default: the wall clock). The attempts created in
 * `[now − 7 d − 1 h, now)` are replayed in time order with their failures before `now`; everything older enters
 * as aggregates (per-customer counts and last 25 amounts, per-school attempts and failures); first-seen devices,
 * methods and IPs are read over everything before `now`. Call it before attempts are recorded; an attempt both
 * loaded and then recorded by the caller counts once (`record` ignores an id it holds).
 */
export async function loadOnlineFraudFeatures(
  deps: { db: Db },
  options: { now?: Date } = {},
): Promise<OnlineFraudStore> {
  const now = options.now ?? new Date();
  const since = new Date(now.getTime() - RETENTION_MS);
  const store = createOnlineFraudFeatures();

  type FirstSeen = { customer_id: string; k: string[]; t: number[] };
  const [histories, devices, methods, ips, schoolCounts, recent] = await Promise.all([
    deps.db.all<{ customer_id: string; n: number; t: number[]; a: number[]; r: number[] }>(LOAD_CUSTOMER_HISTORY, {
      since,
    }),
    deps.db.all<FirstSeen>(LOAD_FIRST_DEVICES, { now }),
    deps.db.all<FirstSeen>(LOAD_FIRST_METHODS, { now }),
    deps.db.all<FirstSeen>(LOAD_FIRST_IPS, { now }),
    deps.db.all<{ school_id: string; n: number; f: number }>(LOAD_SCHOOL_COUNTS, { now, since }),
    deps.db.all<RecentRow>(LOAD_RECENT_ATTEMPTS, { now, since }),
  ]);

  // All-time state counts everything before `since`; the recent attempts are then recorded on top of it.
  for (const r of histories) {
    const order = r.r.map((_, i) => i).sort((x, y) => (r.r[y] as number) - (r.r[x] as number));
    const entries = order.map((i) => ({ t: r.t[i] as number, id: '', amount: r.a[i] as number }));
    for (let i = 1; i < entries.length; i++) {
      if ((entries[i] as HistoryEntry).t < (entries[i - 1] as HistoryEntry).t) {
        throw new Error('customer history out of order');
      }
    }
    store.restoreCustomer(r.customer_id, r.n, entries);
  }
  for (const [kind, rows] of [
    ['device', devices],
    ['method', methods],
    ['ip', ips],
  ] as const) {
    for (const r of rows) {
      r.k.forEach((key, i) => {
        store.restoreFirstSeen(kind, r.customer_id, key, r.t[i] as number);
      });
    }
  }
  for (const r of schoolCounts) store.restoreSchool(r.school_id, r.n, r.f);

  const events: { t: number; order: number; row: RecentRow }[] = [];
  for (const row of recent) {
    events.push({ t: row.t, order: 0, row });
    if (row.ft !== null) events.push({ t: row.ft, order: 1, row });
  }
  events.sort((x, y) => x.t - y.t || x.order - y.order || (x.row.id < y.row.id ? -1 : x.row.id > y.row.id ? 1 : 0));
  for (const { order, row, t } of events) {
    if (order === 1) {
      store.recordFailure(row.id, new Date(t));
      continue;
    }
    store.record({
      id: row.id,
      customer_id: row.customer_id,
      school_id: row.school_id,
      amount: row.amount,
      method_fingerprint: row.method,
      device_id: row.device_id,
      ip: row.ip,
      at: new Date(t),
    });
  }
  return {
    vector: store.vector,
    record: store.record,
    recordFailure: store.recordFailure,
    stats: store.stats,
  };
}
