import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** What the server answers to a message (by its 1-based arrival count): accept, or an SMTP error reply. */
export type Answer = 'accept' | { code: number; message: string };

export interface ReceivedMail {
  readonly raw: Buffer;
  readonly parsed: ParsedMail;
  readonly envelopeTo: string[];
  readonly user: string | null;
}

export interface TestSmtpServer {
  /** `smtp://…` for `smtpTransport` (with the credentials when auth is on). */
  readonly url: string;
  /** Accepted messages, parsed with mailparser. */
  readonly received: ReceivedMail[];
  /** Messages offered (accepted or refused). */
  offered(): number;
  close(): Promise<void>;
}

/**
 * A real SMTP server (the `smtp-server` package) on loopback and a random port; no STARTTLS, so the client
 * speaks plain SMTP. `answer(n)` decides the reply to the n-th message at the end of DATA.
 */
export async function startSmtpServer(
  options: { auth?: { user: string; pass: string }; answer?: (n: number) => Answer } = {},
): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  let offered = 0;
  const server = new SMTPServer({
    disabledCommands: options.auth === undefined ? ['STARTTLS', 'AUTH'] : ['STARTTLS'],
    authOptional: options.auth === undefined,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === options.auth?.user && auth.password === options.auth?.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        offered++;
        const answer = options.answer?.(offered) ?? 'accept';
        if (answer !== 'accept') {
          callback(Object.assign(new Error(answer.message), { responseCode: answer.code }));
          return;
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            received.push({
              raw,
              parsed,
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              user: typeof session.user === 'string' ? session.user : null,
            });
            callback(null);
          })
          .catch((err: Error) => callback(err));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  const creds =
    options.auth === undefined
      ? ''
      : `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@`;
  return {
    url: `smtp://${creds}127.0.0.1:${port}`,
    received,
    offered: () => offered,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
