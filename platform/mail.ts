import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { addressOf, smtpUrlProblem } from './mail-address.js';

export { addressOf, smtpUrlProblem } from './mail-address.js';

/** One message ready to leave: bodies, headers and attachment bytes, all resolved. */
export interface OutgoingMail {
  /** The outbox row id; names the `.eml` file of the embedded transport. */
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string | undefined;
  /** `<…@…>`; derived from the outbox row so a duplicate delivery is recognisable. */
  readonly messageId: string;
  readonly date: Date;
  readonly headers?: Readonly<Record<string, string>>;
  readonly attachments: readonly { filename: string; contentType: string; content: Uint8Array }[];
}

export interface MailSendResult {
  readonly messageId: string;
  /** The server's final answer (`250 …`), or where the file went. */
  readonly response: string;
}

/**
 * Why a message did not leave. `permanent` is true only for an SMTP 5xx answer to the message itself
 * (sender, recipient or data refused): sending the same message again would get the same answer.
 * Connection, TLS, timeout and authentication problems are transient: they are about the transport, and
 * the message may go through once it is fixed.
 */
export class MailSendError extends Error {
  readonly permanent: boolean;
  /** nodemailer's code (`EENVELOPE`, `EMESSAGE`, `ECONNECTION`, …) or `EFILE`. */
  readonly code: string;
  readonly responseCode: number | null;
  constructor(
    message: string,
    options: { permanent: boolean; code: string; responseCode: number | null; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MailSendError';
    this.permanent = options.permanent;
    this.code = options.code;
    this.responseCode = options.responseCode;
  }
}

/** Where messages go: an SMTP server, or `.eml` files on the embedded default. */
export interface MailTransport {
  readonly kind: 'smtp' | 'eml';
  /** Resolves once the server accepted the message (or the file is in place); rejects with a MailSendError. */
  send(mail: OutgoingMail): Promise<MailSendResult>;
  close(): Promise<void>;
}

/** What the mailer job needs: a transport and the From header every message carries. */
export interface Mailer {
  readonly transport: MailTransport;
  readonly from: string;
}

/** A Message-ID derived from the outbox row id: every copy of one row's message carries the same one. */
export function messageIdFor(emailId: string, from: string): string {
  const domain = addressOf(from)?.split('@')[1] ?? 'kosh.invalid';
  return `<${emailId}@${domain}>`;
}

type NodemailerMessage = Parameters<ReturnType<typeof nodemailer.createTransport>['sendMail']>[0];

function toNodemailer(mail: OutgoingMail): NodemailerMessage {
  return {
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    ...(mail.html === undefined ? {} : { html: mail.html }),
    messageId: mail.messageId,
    date: mail.date,
    headers: { ...mail.headers },
    attachments: mail.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength),
    })),
    // Everything is already resolved: nodemailer must never read a file or URL named in a message.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

interface NodemailerFailure {
  message?: string;
  code?: string;
  responseCode?: number;
  permanent?: boolean;
  response?: string;
}

function sendError(err: unknown): MailSendError {
  const e = (err ?? {}) as NodemailerFailure;
  const code = e.code ?? 'EUNKNOWN';
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : null;
  // A 5xx to AUTH is the transport's credentials, not this message: transient.
  const permanent = e.permanent === true && code !== 'EAUTH' && code !== 'ENOAUTH';
  const text = e.response ?? e.message ?? String(err);
  return new MailSendError(text.slice(0, 1000), { permanent, code, responseCode, cause: err });
}

/**
 * SMTP through nodemailer, pooled (two connections) so a batch reuses its sessions. `smtp://` upgrades with
 * STARTTLS when the server offers it; `smtps://` is TLS from the start. Certificates are verified.
 */
export function smtpTransport(
  url: string,
  options: { maxConnections?: number; timeoutMs?: number } = {},
): MailTransport {
  const problem = smtpUrlProblem(url);
  if (problem !== null) throw new Error(`invalid SMTP URL: ${problem}`);
  const parsed = new URL(url);
  const secure = parsed.protocol === 'smtps:';
  const timeout = options.timeoutMs ?? 30_000;
  const transporter = nodemailer.createTransport({
    pool: true,
    maxConnections: options.maxConnections ?? 2,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? (secure ? 465 : 587) : Number(parsed.port),
    secure,
    ...(parsed.username === ''
      ? {}
      : { auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } }),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: 2 * timeout,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    kind: 'smtp',
    send: async (mail) => {
      try {
        const info = await transporter.sendMail(toNodemailer(mail));
        return { messageId: info.messageId, response: info.response };
      } catch (err) {
        throw sendError(err);
      }
    },
    close: async () => transporter.close(),
  };
}

/**
 * The embedded default: each message is composed by nodemailer exactly as SMTP would carry it and written
 * to `<dir>/<id>.eml` (temp file, then rename, so a reader never sees half a message). Writing a row's file
 * again replaces it: one file per outbox row, whatever happens.
 */
export function emlTransport(dir: string): MailTransport {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    kind: 'eml',
    send: async (mail) => {
      if (!/^[A-Za-z0-9_-]+$/.test(mail.id)) throw new Error(`not a safe file name: ${mail.id}`);
      let raw: Buffer;
      try {
        const info = await transporter.sendMail(toNodemailer(mail));
        raw = info.message as Buffer;
      } catch (err) {
        throw sendError(err);
      }
      const file = path.join(dir, `${mail.id}.eml`);
      const temp = path.join(dir, `.tmp-${randomBytes(6).toString('hex')}`);
      try {
        await mkdir(dir, { recursive: true });
        await writeFile(temp, raw);
        await rename(temp, file);
      } catch (err) {
        await rm(temp, { force: true });
        throw new MailSendError(`cannot write ${file}: ${(err as Error).message}`, {
          permanent: false,
          code: 'EFILE',
          responseCode: null,
          cause: err,
        });
      }
      return { messageId: mail.messageId, response: `written to ${file}` };
    },
    close: async () => undefined,
  };
}

/** Where the embedded transport writes: `KOSH_DATA_DIR/outbox`. */
export const emlOutboxDir = (dataDir: string): string => path.join(dataDir, 'outbox');

/** The configured mailer: SMTP when `KOSH_SMTP_URL` is set, else `.eml` files under the data directory. */
export function openMailer(config: { smtpUrl: string | null; mailFrom: string; dataDir: string }): Mailer {
  return {
    transport: config.smtpUrl === null ? emlTransport(emlOutboxDir(config.dataDir)) : smtpTransport(config.smtpUrl),
    from: config.mailFrom,
  };
}
