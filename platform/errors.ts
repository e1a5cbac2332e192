/** One error vocabulary for the whole service; serving/plugins/errors.ts maps it to RFC 9457. */
export type ErrorKind =
  | 'not_found'
  | 'malformed'
  | 'invalid'
  | 'conflict'
  | 'precondition_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'provider'
  | 'unavailable';

export interface FieldError {
  /** JSON pointer-ish path of the offending field, e.g. `/amount` or `/notes/card`. */
  readonly field: string;
  readonly code: string;
  readonly message: string;
}

export class AppError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly fields: readonly FieldError[];
  /** Extra members for the problem document (e.g. the gateway's error code). */
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(
    kind: ErrorKind,
    code: string,
    message: string,
    options: { fields?: readonly FieldError[]; extra?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.kind = kind;
    this.code = code;
    this.fields = options.fields ?? [];
    this.extra = options.extra ?? {};
  }
}

export const notFound = (what: string, id: string): AppError =>
  new AppError('not_found', `${what}_not_found`, `No ${what.replace(/_/g, ' ')} with id ${id}`);

/** The request itself cannot be read (a malformed upload): 400, naming the field or line. */
export const malformed = (code: string, message: string, fields: readonly FieldError[] = []): AppError =>
  new AppError('malformed', code, message, { fields });

export const invalid = (code: string, message: string, fields: readonly FieldError[] = []): AppError =>
  new AppError('invalid', code, message, { fields });

export const conflict = (code: string, message: string, extra?: Record<string, unknown>): AppError =>
  new AppError('conflict', code, message, extra === undefined ? {} : { extra });

/** A conditional write whose `If-Match` no longer names the record as it is (someone changed it first): 412. */
export const preconditionFailed = (what: string, id: string): AppError =>
  new AppError(
    'precondition_failed',
    'precondition_failed',
    `this ${what.replace(/_/g, ' ')} (${id}) has changed since that ETag`,
    {
      fields: [
        {
          field: '/headers/if-match',
          code: 'precondition_failed',
          message: `does not match the current ETag of ${what.replace(/_/g, ' ')} ${id}: read it again and retry`,
        },
      ],
    },
  );
