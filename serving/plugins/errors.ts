import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorKind, type FieldError } from '../../platform/errors.js';

/** The HTTP status of each kind of AppError (also what docs/errors.md states, scripts/api-docs.ts). */
export const STATUS: Record<ErrorKind, number> = {
  not_found: 404,
  malformed: 400,
  invalid: 422,
  conflict: 409,
  precondition_failed: 412,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  provider: 502,
  unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance: string;
  code: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

export function problem(
  request: FastifyRequest,
  status: number,
  code: string,
  detail?: string,
  fields?: readonly FieldError[],
): Problem {
  return {
    type: `https://kosh.dev/problems/${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    ...(detail === undefined || status >= 500 ? {} : { detail }),
    instance: request.id,
    code,
    ...(fields === undefined || fields.length === 0 ? {} : { errors: [...fields] }),
  };
}

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(body);
}

interface AjvError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** The values a branch error of a union of literals allows (`const`, `enum`, `type: null`); undefined for another. */
function allowedBy(e: AjvError): unknown[] | undefined {
  if (e.keyword === 'const') return [e.params['allowedValue']];
  if (e.keyword === 'enum' && Array.isArray(e.params['allowedValues'])) return e.params['allowedValues'];
  if (e.keyword === 'type' && e.params['type'] === 'null') return [null];
  return undefined;
}

/**
 * ajv (allErrors) answers a value outside a union of literals with one error per literal and one for the union: these
 * become one `invalid_enum` error naming the field and every allowed value. Unions of other shapes stay as they are.
 */
function collapseEnums(errors: AjvError[]): AjvError[] {
  // Outermost first, so a nullable union (a union inside a union with null) becomes one error too.
  const unions = errors.filter((e) => e.keyword === 'anyOf').sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  const dropped = new Set<AjvError>();
  const replaced = new Map<AjvError, AjvError>();
  for (const union of unions) {
    if (dropped.has(union)) continue;
    const inside = errors.filter(
      (e) => e !== union && e.instancePath === union.instancePath && e.schemaPath.startsWith(`${union.schemaPath}/`),
    );
    const allowed = inside.filter((e) => e.keyword !== 'anyOf').map(allowedBy);
    if (allowed.length === 0 || allowed.some((a) => a === undefined)) continue;
    const values = [...new Set(allowed.flat())];
    for (const e of inside) dropped.add(e);
    replaced.set(union, {
      ...union,
      keyword: 'enum',
      message: `must be one of: ${values.map((v) => JSON.stringify(v)).join(', ')}`,
      params: { allowedValues: values },
    });
  }
  return errors.filter((e) => !dropped.has(e)).map((e) => replaced.get(e) ?? e);
}

function validationFields(error: FastifyError): FieldError[] {
  const context = error.validationContext ?? 'body';
  const prefix = context === 'body' ? '' : `/${context === 'querystring' ? 'query' : context}`;
  return collapseEnums((error.validation ?? []) as unknown as AjvError[]).map((v) => {
    const missing = typeof v.params['missingProperty'] === 'string' ? `/${v.params['missingProperty']}` : '';
    const extra = typeof v.params['additionalProperty'] === 'string' ? `/${v.params['additionalProperty']}` : '';
    return {
      field: `${prefix}${v.instancePath}${missing}${extra}` || '/',
      code:
        v.keyword === 'required'
          ? 'required'
          : v.keyword === 'additionalProperties'
            ? 'unknown_field'
            : `invalid_${v.keyword}`,
      message: v.message ?? 'is invalid',
    };
  });
}

/**
 * Fastify's `clientErrorHandler`: what Node refuses before a request exists (a request not sent whole within the
 * request timeout, headers too large, malformed HTTP) is answered as a problem document too, then the socket closes.
 */
export function clientErrorAnswer(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, detail] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request_timeout', 'the request was not sent whole within the request timeout']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'the request headers are too large']
        : [400, 'malformed_http', 'the request is not valid HTTP/1.1'];
  const body = JSON.stringify({
    type: `https://kosh.dev/problems/${code}`,
    title: STATUS_CODES[status],
    status,
    detail,
    code,
  });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/**
 * Fastify's `frameworkErrors`: what its router refuses before a route is chosen — a path segment longer than
 * `maxParamLength` (414) or a URL it cannot decode (400) — is a problem document naming the path, like every other
 * refusal.
 */
export function frameworkErrorAnswer(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const [status, code, detail] =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? [414, 'path_too_long', 'a segment of the path is longer than any id kosh issues']
      : error.code === 'FST_ERR_BAD_URL'
        ? [400, 'invalid_url', 'the path cannot be decoded']
        : [400, 'invalid_request', error.message];
  void sendProblem(reply, problem(request, status, code, detail, [{ field: '/path', code, message: detail }]));
}

/** One mapping from errors to RFC 9457 problem documents; a 5xx never says more than its title. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      const status = STATUS[error.kind];
      if (status >= 500) request.log.warn({ code: error.code, err: error.message }, 'dependency failure');
      const retryAfter = error.extra['retry_after_seconds'];
      if ((status === 503 || status === 429) && typeof retryAfter === 'number') {
        reply.header('retry-after', String(retryAfter));
      }
      // Extra members add to the problem; they never replace one of RFC 9457's or kosh's own (status, code, …).
      return sendProblem(reply, {
        ...error.extra,
        ...problem(request, status, error.code, error.message, error.fields),
      });
    }
    if (error.validation !== undefined) {
      return sendProblem(
        reply,
        problem(request, 400, 'validation_failed', 'request failed validation', validationFields(error)),
      );
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'unhandled error');
      return sendProblem(reply, problem(request, 500, 'internal_error'));
    }
    const code = FASTIFY_CODES[error.code] ?? (TITLES[status] ?? 'error').toLowerCase().replace(/\s+/g, '_');
    return sendProblem(reply, problem(request, status, code, error.message));
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problem(request, 404, 'route_not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}
