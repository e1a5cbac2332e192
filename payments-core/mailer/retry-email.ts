import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict, notFound } from '../../platform/errors.js';
import { getEmail } from './find-emails.js';
import { EMAIL_BY_ID, REQUEUE_FAILED_EMAIL } from './repository.js';
import type { Email, EmailRow } from './types.js';

/**
 * Puts a `failed` email back to `queued`, due now, with a fresh round of attempts; the next `mailer` run
 * sends it. Any other status is a 409: a queued or sending email is already on its way, a sent one stays sent.
 * An `interrupted` email may already have reached the parent: retrying it is the operator's call, and the
 * repeated Message-ID lets mail clients recognise the copy.
 */
export async function retryEmail(deps: { db: Db; clock: Clock }, id: string): Promise<Email> {
  await deps.db.transaction(async (tx) => {
    const email = await tx.one<EmailRow>(EMAIL_BY_ID, { id });
    if (email === undefined) throw notFound('email', id);
    if (email.status !== 'failed') {
      throw conflict('email_not_failed', `email ${id} is ${email.status}; only a failed email can be retried`, {
        email_status: email.status,
      });
    }
    await tx.run(REQUEUE_FAILED_EMAIL, { id, at: deps.clock.now() });
  });
  return getEmail(deps, id);
}
