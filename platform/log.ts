import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

export type Log = Logger;

/** Secrets and personal data never reach a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-razorpay-signature"]',
  '*.authorization',
  '*.key_secret',
  '*.keySecret',
  '*.secret',
  '*.password',
  '*.api_key',
  '*.token',
  '*.gateway_token',
  '*.email',
  '*.phone',
  '*.contact',
  '*.vpa',
  '*.name',
  // An e-mandate's bank account number (sent to the gateway, never kept): in case a gateway input is ever logged.
  '*.account_number',
  '*.accountNumber',
];

/**
 * A pino logger. Lines go to `destination`, else to stdout: as JSON for machines, or as coloured one-line text for a
 * person when `format` is `pretty`, or `auto` (the default) and stdout is a terminal.
 */
export function createLog(options: {
  level: string;
  destination?: DestinationStream;
  format?: 'auto' | 'pretty' | 'json';
}): Log {
  const format = options.format ?? 'auto';
  const human = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  const destination =
    options.destination ??
    (human
      ? pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service' })
      : undefined);
  return pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'kosh' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
