import { deliverEmails } from '../payments-core/mailer/deliver-emails.js';
import type { JobContext, JobSummary } from '../platform/job.js';
import type { JobDeps } from './types.js';

/** Job `mailer`: delivers the due outbox emails; needs the mailer and the object store (attachments) in its deps. */
export async function runMailer(deps: JobDeps, ctx: JobContext): Promise<JobSummary> {
  if (deps.mailer === undefined) throw new Error('the mailer job needs a mailer (platform/mail.ts) in its deps');
  if (deps.objects === undefined) throw new Error('the mailer job needs an object store in its deps (attachments)');
  return deliverEmails({ ...deps, mailer: deps.mailer, objects: deps.objects }, ctx);
}
