import { PURGE_EXPIRED_EVENT_KEYS } from '../payments-core/webhooks/repository.js';
import type { Sql } from '../platform/db.js';
import { PURGE_EXPIRED_KEYS } from '../platform/idempotency.js';
import type { JobContext, JobSummary } from '../platform/job.js';

/** Job: deletes idempotency keys past their 24 h and webhook event keys past their 30 days. */
export async function purgeExpiredKeys(deps: { db: Sql }, { now }: JobContext): Promise<JobSummary> {
  return {
    idempotency_keys: await deps.db.run(PURGE_EXPIRED_KEYS, { now }),
    webhook_event_keys: await deps.db.run(PURGE_EXPIRED_EVENT_KEYS, { now }),
  };
}
