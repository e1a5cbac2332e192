import { type DestinationStream, type Logger, pino } from 'pino';

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
];

export function createLog(options: { level: string; destination?: DestinationStream }): Log {
  return pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'kosh' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
