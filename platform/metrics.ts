import { Counter, Histogram, Registry } from 'prom-client';

/**
 * The metrics port: counters and histograms recorded where the events happen, in a prom-client registry of
 * its own (one per app instance, never prom-client's global default, so several apps in one test process do
 * not collide). Domain code receives the narrow interface it needs (`PaymentMetrics`, `FraudMetrics`,
 * `JobMetrics`) as an optional dependency; without one nothing is recorded. Gauges that are database state
 * (queue depth, open dunning cases, webhook lag) are not here: they are read by SQL at scrape time
 * (payments-core/monitoring/state-gauges.ts).
 */
export interface PaymentMetrics {
  /** A payment row was created and is about to be charged (or screened). */
  paymentAttempted(method: string): void;
  /** The gateway authorised or captured it. */
  paymentSucceeded(method: string): void;
  /** Declined by the gateway or blocked by the fraud screen (`reason` `declined` | `blocked`). */
  paymentFailed(method: string, reason: 'declined' | 'blocked'): void;
}

export interface FraudMetrics {
  fraudDecision(decision: string, source: string, seconds: number): void;
  /** Decision log rows lost: the in-memory queue was full, or their write failed. */
  fraudDecisionsDropped(rows: number, reason: 'queue_full' | 'write_failed'): void;
}

export interface JobMetrics {
  jobFinished(job: string, status: 'succeeded' | 'failed', seconds: number): void;
}

/** Latency buckets in seconds; 2 s and 5 s are the API alert thresholds. */
export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];

/** One API request as the alert rules see it. */
export interface RequestSample {
  readonly atMs: number;
  readonly seconds: number;
  readonly status: number;
}

/** Counts and the p95 latency of the API requests of a window. */
export interface RequestWindow {
  readonly requests: number;
  readonly errors5xx: number;
  /** Null without requests. */
  readonly p95Seconds: number | null;
}

/**
 * API requests of one second (of the injected clock) whose latency fell in one bucket: at most `le` seconds, above
 * the previous edge of `REQUEST_BUCKETS`.
 */
export interface RequestCount {
  readonly secondMs: number;
  readonly le: number;
  readonly requests: number;
  readonly errors5xx: number;
  readonly maxSeconds: number;
}

/**
 * Latency buckets of the shared request counts: the histogram's, then everything slower. The API alert thresholds
 * (2 s, 5 s) are edges, so a p95 read from buckets crosses them exactly when the requests' p95 does.
 */
export const REQUEST_BUCKETS: readonly number[] = [...HTTP_BUCKETS, Number.POSITIVE_INFINITY];

/**
 * This process's API requests not yet added to the counts every process shares (platform/request-counts.ts writes
 * them about once a second; the alert rules read the shared counts), summed per second and latency bucket. At most
 * `maxPending` counts wait (a database unreachable for hours); samples beyond are counted in `dropped`.
 */
export interface RequestLog {
  record(sample: RequestSample): void;
  /** Takes every count recorded since the last take; the log is then empty. */
  take(): RequestCount[];
  /** Puts back counts whose write failed, merged with what was recorded since. */
  putBack(counts: readonly RequestCount[]): void;
  readonly dropped: number;
}

export function createRequestLog(maxPending = 100_000): RequestLog {
  let pending = new Map<string, RequestCount>();
  let dropped = 0;
  const add = (c: RequestCount) => {
    const key = `${c.secondMs}|${c.le}`;
    const had = pending.get(key);
    if (had === undefined && pending.size >= maxPending) {
      dropped += c.requests;
      return;
    }
    pending.set(
      key,
      had === undefined
        ? c
        : {
            secondMs: c.secondMs,
            le: c.le,
            requests: had.requests + c.requests,
            errors5xx: had.errors5xx + c.errors5xx,
            maxSeconds: Math.max(had.maxSeconds, c.maxSeconds),
          },
    );
  };
  return {
    record: (s) => {
      const le = REQUEST_BUCKETS.find((edge) => s.seconds <= edge) ?? Number.POSITIVE_INFINITY;
      add({
        secondMs: Math.floor(s.atMs / 1000) * 1000,
        le,
        requests: 1,
        errors5xx: s.status >= 500 ? 1 : 0,
        maxSeconds: s.seconds,
      });
    },
    take: () => {
      const out = [...pending.values()];
      pending = new Map();
      return out;
    },
    putBack: (counts) => {
      for (const c of counts) add(c);
    },
    get dropped() {
      return dropped;
    },
  };
}

/** The nearest-rank percentile (the smallest value with at least `q` of the samples at or below it). */
export function percentile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? null;
}

/** Failed authentications (unknown API keys, dashboard sign-ins, dunning link tokens) and the throttle's refusals. */
export interface AuthMetrics {
  authFailed(): void;
  authRefused(): void;
}

export interface Metrics extends PaymentMetrics, FraudMetrics, JobMetrics, AuthMetrics {
  readonly registry: Registry;
  /** API requests waiting to be added to the shared counts the alert rules read. */
  readonly requests: RequestLog;
  /** One HTTP request: `route` is the route pattern (`/v1/payments/:id`), never the raw URL. */
  httpRequest(input: { method: string; route: string; status: number; seconds: number }): void;
}

export const FRAUD_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];
export const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800];

export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

export function createMetrics(options: { requestLogMaxPending?: number } = {}): Metrics {
  const registry = new Registry();
  const http = new Histogram({
    name: 'kosh_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern and status class',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  const attempts = new Counter({
    name: 'kosh_payment_attempts_total',
    help: 'Payment attempts (payment rows created), by method',
    labelNames: ['method'] as const,
    registers: [registry],
  });
  const successes = new Counter({
    name: 'kosh_payment_successes_total',
    help: 'Payments the gateway authorised or captured, by method',
    labelNames: ['method'] as const,
    registers: [registry],
  });
  const failures = new Counter({
    name: 'kosh_payment_failures_total',
    help: 'Failed payments by method and reason (declined by the gateway, blocked by the fraud screen)',
    labelNames: ['method', 'reason'] as const,
    registers: [registry],
  });
  const fraudDecisions = new Counter({
    name: 'kosh_fraud_decisions_total',
    help: 'Fraud decisions by outcome (allow, review, block) and source (api, payment)',
    labelNames: ['decision', 'source'] as const,
    registers: [registry],
  });
  const fraudLatency = new Histogram({
    name: 'kosh_fraud_scoring_duration_seconds',
    help: 'Time to one fraud decision',
    buckets: FRAUD_BUCKETS,
    registers: [registry],
  });
  const fraudDropped = new Counter({
    name: 'kosh_fraud_decision_log_dropped_total',
    help: 'Fraud decisions not written to fraud_decisions, by reason (queue_full, write_failed)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const jobDuration = new Histogram({
    name: 'kosh_job_duration_seconds',
    help: 'Job run durations by job and status',
    labelNames: ['job', 'status'] as const,
    buckets: JOB_BUCKETS,
    registers: [registry],
  });
  const jobFailures = new Counter({
    name: 'kosh_job_failures_total',
    help: 'Failed job runs by job',
    labelNames: ['job'] as const,
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'kosh_auth_failures_total',
    help: 'Failed authentications: unknown API keys (API and dashboard sign-in) and unknown dunning link tokens',
    registers: [registry],
  });
  const authRefused = new Counter({
    name: 'kosh_auth_refused_total',
    help: 'Requests refused with 429 too_many_failed_authentications (their address is locked out for its window)',
    registers: [registry],
  });
  return {
    registry,
    requests: createRequestLog(options.requestLogMaxPending),
    authFailed: () => authFailures.inc(),
    authRefused: () => authRefused.inc(),
    httpRequest: ({ method, route, status, seconds }) =>
      http.observe({ method, route, status_class: statusClass(status) }, seconds),
    paymentAttempted: (method) => attempts.inc({ method }),
    paymentSucceeded: (method) => successes.inc({ method }),
    paymentFailed: (method, reason) => failures.inc({ method, reason }),
    fraudDecision: (decision, source, seconds) => {
      fraudDecisions.inc({ decision, source });
      fraudLatency.observe(seconds);
    },
    fraudDecisionsDropped: (rows, reason) => fraudDropped.inc({ reason }, rows),
    jobFinished: (job, status, seconds) => {
      jobDuration.observe({ job, status }, seconds);
      if (status === 'failed') jobFailures.inc({ job });
    },
  };
}
