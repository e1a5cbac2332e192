import { Type } from '@sinclair/typebox';
import { getEmail, listEmails } from '../../payments-core/mailer/find-emails.js';
import { retryEmail } from '../../payments-core/mailer/retry-email.js';
import type { App, AppDeps } from '../app.js';
import { Id, Nullable, PageQuery, pageOf, responses } from '../schemas.js';

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });

const EmailStatusSchema = Type.Union([
  Type.Literal('queued'),
  Type.Literal('sending'),
  Type.Literal('sent'),
  Type.Literal('failed'),
  Type.Literal('cancelled'),
]);

const EmailKindSchema = Type.Union([
  Type.Literal('invoice'),
  Type.Literal('credit_note'),
  Type.Literal('statement'),
  Type.Literal('dunning'),
  Type.Literal('pre_debit'),
  Type.Literal('payment_method_update'),
]);

export const EmailSchema = Type.Object({
  object: Type.Literal('email'),
  id: Type.String(),
  kind: EmailKindSchema,
  dedupe_key: Type.String({ description: 'The business key the email was queued under (one email per key)' }),
  to: Type.String(),
  subject: Type.String(),
  text: Type.String(),
  html: Nullable(Type.String()),
  customer_id: Nullable(Type.String()),
  ref_type: Nullable(Type.String()),
  ref_id: Nullable(Type.String()),
  attachments: Type.Array(
    Type.Object({
      filename: Type.String(),
      contentType: Type.String(),
      bucket: Type.String(),
      key: Type.String(),
    }),
  ),
  send_at: Timestamp,
  status: EmailStatusSchema,
  attempts: Type.Integer(),
  next_attempt_at: Timestamp,
  last_error_code: Nullable(
    Type.String({
      description:
        'smtp_deferred | smtp_auth | connection | attachment_missing | file_write (retried); smtp_rejected | max_attempts_reached | interrupted (failed)',
    }),
  ),
  last_error: Nullable(Type.String({ description: "The server's answer or the error of the last attempt" })),
  message_id: Nullable(Type.String({ description: 'The Message-ID header, derived from the email id' })),
  transport: Nullable(Type.String({ description: 'smtp | eml' })),
  sent_at: Nullable(Timestamp),
  failed_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const EmailParams = Type.Object({ id: Id('eml') });

/** The mailer's outbox: what was (or will be) sent to whom, failures with their reason, and a retry of a failed one. */
export function emailRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/emails',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'listEmails',
        summary: 'List outgoing emails',
        tags: ['emails'],
        querystring: Type.Object({
          ...PageQuery,
          status: Type.Optional(EmailStatusSchema),
          kind: Type.Optional(EmailKindSchema),
          customer_id: Type.Optional(Id('cus')),
        }),
        response: responses({ 200: pageOf(EmailSchema) }),
      },
    },
    async (request) => listEmails(deps, request.query),
  );
  app.get(
    '/emails/:id',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'getEmail',
        summary: 'Retrieve an email',
        tags: ['emails'],
        params: EmailParams,
        response: responses({ 200: EmailSchema }),
      },
    },
    async (request) => getEmail(deps, request.params.id),
  );
  app.post(
    '/emails/:id/retry',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'retryEmail',
        summary: 'Send a failed email again',
        tags: ['emails'],
        description:
          'Puts a failed email back in the queue, due now, with a fresh round of attempts; 409 `email_not_failed` otherwise',
        params: EmailParams,
        response: responses({ 200: EmailSchema }),
      },
    },
    async (request) => retryEmail(deps, request.params.id),
  );
}
