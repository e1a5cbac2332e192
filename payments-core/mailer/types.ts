export type EmailKind = 'invoice' | 'credit_note' | 'statement' | 'dunning' | 'pre_debit' | 'payment_method_update';

export const EMAIL_KINDS: readonly EmailKind[] = [
  'invoice',
  'credit_note',
  'statement',
  'dunning',
  'pre_debit',
  'payment_method_update',
];

/** `cancelled`: withdrawn before it left (its document was voided); never sent. */
export type EmailStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled';

export const EMAIL_STATUSES: readonly EmailStatus[] = ['queued', 'sending', 'sent', 'failed', 'cancelled'];

/** An attachment as stored: its bytes are read from the object store when the email is sent. */
export interface EmailAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly bucket: 'invoices';
  readonly key: string;
}

/** One row of the outbox as the API shows it. */
export interface Email {
  readonly object: 'email';
  readonly id: string;
  readonly kind: EmailKind;
  readonly dedupe_key: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string | null;
  readonly customer_id: string | null;
  readonly ref_type: string | null;
  readonly ref_id: string | null;
  readonly attachments: EmailAttachment[];
  readonly send_at: Date;
  readonly status: EmailStatus;
  readonly attempts: number;
  readonly next_attempt_at: Date;
  readonly last_error_code: string | null;
  readonly last_error: string | null;
  readonly message_id: string | null;
  readonly transport: string | null;
  readonly sent_at: Date | null;
  readonly failed_at: Date | null;
  readonly created_at: Date;
  readonly updated_at: Date;
}

/** An outbox row as SQL returns it (attachments still JSON text). */
export type EmailRow = Omit<Email, 'attachments'> & { readonly attachments: string };

export const toEmail = (row: EmailRow): Email => ({
  ...row,
  attachments: JSON.parse(row.attachments) as EmailAttachment[],
});
