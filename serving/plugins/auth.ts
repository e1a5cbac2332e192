import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findApiKey } from '../../payments-core/api-keys/create-api-key.js';
import { type ApiKey, hasScope, type Scope } from '../../payments-core/api-keys/types.js';
import type { Db } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKey | null;
  }
  interface FastifyContextConfig {
    /** The scope a route needs; routes without one are public. */
    scope?: Scope;
  }
}

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1] ?? null;
}

/** `Authorization: Bearer <key>`: 401 for a missing or unknown key, 403 for a key without the route's scope. */
export function registerAuth(app: FastifyInstance, deps: { db: Db }): void {
  app.decorateRequest('apiKey', null);
  app.addHook('onRequest', async (request) => {
    const scope = request.routeOptions.config.scope;
    if (scope === undefined) return;
    const secret = bearer(request);
    if (secret === null) throw new AppError('unauthorized', 'missing_api_key', 'send Authorization: Bearer <api key>');
    const key = await findApiKey(deps, secret);
    if (key === null) throw new AppError('unauthorized', 'invalid_api_key', 'the API key is unknown or revoked');
    if (!hasScope(key, scope)) throw new AppError('forbidden', 'missing_scope', `this key lacks the ${scope} scope`);
    request.apiKey = key;
  });
}
