import type { FastifyInstance } from 'fastify';
import { containsPan, findCardData } from '../../platform/card-data.js';
import { AppError } from '../../platform/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact request body as received: webhook signatures and idempotency hashes are over these bytes. */
    rawBody: string | null;
  }
  interface FastifyContextConfig {
    /** Set false only where a trusted, signed peer sends the body (the gateway's webhooks). */
    cardGuard?: boolean;
  }
}

/** The 422 for a body, query or upload carrying card data, naming the fields. */
export function refuseCardData(fields: readonly string[]): AppError {
  return new AppError(
    'invalid',
    'card_data_not_accepted',
    'kosh never accepts card numbers or CVVs: tokenise the card at the gateway',
    {
      fields: (fields.length === 0 ? ['/'] : fields).map((field) => ({
        field,
        code: 'card_data_not_accepted',
        message: 'looks like a card number or CVV',
      })),
    },
  );
}

/** How deep a JSON body may nest: far beyond any kosh request (≤ 4), far below what would exhaust a stack. */
export const MAX_JSON_DEPTH = 32;

/** The deepest nesting of arrays and objects in JSON text, counted outside strings; stops counting past `limit`. */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > limit) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/**
 * JSON pointers of every string (value or key) holding a NUL character: JSON can escape one (`\u0000`), no
 * PostgreSQL text can hold one, so such a body is refused before it reaches a use case.
 */
export function fieldsWithNul(value: unknown, path = ''): string[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [path || '/'] : [];
  if (value === null || typeof value !== 'object') return [];
  const out: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    const at = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (key.includes('\u0000')) out.push(at);
    out.push(...fieldsWithNul(item, at));
  }
  return out;
}

function nulRefused(fields: string[]): AppError {
  return new AppError('malformed', 'nul_character', 'text fields may not contain the NUL character (\\u0000)', {
    fields: fields.map((field) => ({ field, code: 'nul_character', message: 'contains \\u0000' })),
  });
}

function bodyTooDeep(): AppError {
  return new AppError('malformed', 'body_too_deep', `the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`, {
    fields: [{ field: '/', code: 'body_too_deep', message: `at most ${MAX_JSON_DEPTH} levels of nesting` }],
  });
}

/** The query string as text for the card scan; malformed percent-escapes are scanned as they came. */
function decodedQuery(raw: string): string {
  const spaced = raw.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/**
 * JSON bodies are parsed here, once, keeping the raw text. Nesting is bounded before anything walks the body. A body or query string carrying a PAN-like
 * number or a CVV is refused before any handler, log line or database write can see it.
 */
export function registerJsonWithCardGuard(app: FastifyInstance): void {
  app.decorateRequest('rawBody', null);
  app.addHook('onRequest', async (request) => {
    const query = request.url.indexOf('?');
    if (query >= 0 && containsPan(decodedQuery(request.url.slice(query + 1)))) {
      throw refuseCardData(['/query']);
    }
  });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    request.rawBody = text;
    const guard = request.routeOptions.config.cardGuard !== false;
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
      done(bodyTooDeep(), undefined);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      if (guard && containsPan(text)) {
        done(refuseCardData([]), undefined);
        return;
      }
      const err = Object.assign(new Error('body is not valid JSON'), {
        statusCode: 400,
        code: 'FST_ERR_CTP_INVALID_JSON_BODY',
      });
      done(err, undefined);
      return;
    }
    // Only a body whose text escapes a NUL is walked for it (`\u0000`, any case of hex digits).
    if (/\\u0000/i.test(text)) {
      const nul = fieldsWithNul(parsed);
      if (nul.length > 0) {
        done(nulRefused(nul), undefined);
        return;
      }
    }
    if (guard) {
      const fields = findCardData(parsed);
      // The raw text catches numbers JSON.parse has already rounded.
      if (fields.length > 0 || containsPan(text)) {
        done(refuseCardData(fields), undefined);
        return;
      }
    }
    done(null, parsed);
  });
}
