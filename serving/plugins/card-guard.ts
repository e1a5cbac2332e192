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

/**
 * JSON bodies are parsed here, once, keeping the raw text. A body or query string carrying a PAN-like
 * number or a CVV is refused before any handler, log line or database write can see it.
 */
export function registerJsonWithCardGuard(app: FastifyInstance): void {
  app.decorateRequest('rawBody', null);
  app.addHook('onRequest', async (request) => {
    const query = request.url.indexOf('?');
    if (query >= 0 && containsPan(decodeURIComponent(request.url.slice(query + 1).replace(/\+/g, ' ')))) {
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
