import { purgeExpiredDashboardSessions } from '../payments-core/dashboard-sessions/end-dashboard-session.js';
import { PURGE_EXPIRED_EVENT_KEYS } from '../payments-core/webhooks/repository.js';
import type { Sql } from '../platform/db.js';
import { PURGE_EXPIRED_KEYS } from '../platform/idempotency.js';
import type { JobContext, JobSummary } from '../platform/job.js';
import { PURGE_ENDED_WINDOWS } from '../platform/rate-windows.js';
import { PURGE_REQUEST_COUNTS, REQUEST_COUNTS_KEEP_MS } from '../platform/request-counts.js';

/** Rate-limit windows are kept this long after they start (a minute's window, with room for a slow clock). */
const RATE_WINDOW_KEEP_MS = 3_600_000;

/**
 * Job: deletes idempotency keys past their 24 h, webhook event keys past their 30 days, expired dashboard sessions,
 * rate-limit windows that ended over an hour ago, and API request counts older than the longest alert window.
 */
export async function purgeExpiredKeys(deps: { db: Sql }, { now }: JobContext): Promise<JobSummary> {
  return {
    idempotency_keys: await deps.db.run(PURGE_EXPIRED_KEYS, { now }),
    webhook_event_keys: await deps.db.run(PURGE_EXPIRED_EVENT_KEYS, { now }),
    dashboard_sessions: await purgeExpiredDashboardSessions(deps, now),
    rate_windows: await deps.db.run(PURGE_ENDED_WINDOWS, { before: new Date(now.getTime() - RATE_WINDOW_KEEP_MS) }),
    api_request_counts: await deps.db.run(PURGE_REQUEST_COUNTS, {
      before: new Date(now.getTime() - REQUEST_COUNTS_KEEP_MS),
    }),
  };
}
