import type { Sql } from '../../platform/db.js';
import type { JobContext, JobSummary } from '../../platform/job.js';
import { PENDING_EVENTS, STATUS_OF_EVENTS } from './repository.js';
import { MAX_APPLY_ATTEMPTS } from './types.js';
import type { WebhookInbox } from './webhook-inbox.js';

/**
 * Job: one inbox pass over every stored event not yet applied (new, or failed with attempts left), through
 * the process's inbox so it never races the pass a delivery kicks off. Returns what became of them.
 */
export async function retryWebhookEvents(
  deps: { db: Sql; inbox: WebhookInbox },
  _ctx: JobContext,
): Promise<JobSummary> {
  const pending = await deps.db.all<{ id: string }>(PENDING_EVENTS, { max_attempts: MAX_APPLY_ATTEMPTS });
  if (pending.length === 0) return { pending: 0 };
  deps.inbox.kick();
  await deps.inbox.idle();
  const rows = await deps.db.all<{ status: string; n: number }>(STATUS_OF_EVENTS, { ids: pending.map((r) => r.id) });
  const summary: Record<string, number> = { pending: pending.length };
  for (const r of rows) summary[r.status] = r.n;
  return summary;
}
