import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findApiKey } from '../../payments-core/api-keys/create-api-key.js';
import { keyUseRecorder } from '../../payments-core/api-keys/record-key-use.js';
import { type ApiKey, hasScope, type Scope } from '../../payments-core/api-keys/types.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { FailureLimiter } from '../../platform/failure-limiter.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKey | null;
  }
  interface FastifyContextConfig {
    /** The scope a route needs (a list: any one of them); routes without one are public. */
    scope?: Scope | readonly Scope[];
  }
}

/** The key in `Authorization: Bearer <key>` (scheme in any case, any spacing), or null. */
export function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? null;
}

/** 429 for a client that has sent too many unknown keys this minute (platform/failure-limiter.ts). */
export function refuseWhileGuessing(limiter: FailureLimiter, client: string, now: Date): void {
  const wait = limiter.blockedFor(client, now);
  if (wait !== null) {
    throw new AppError('rate_limited', 'too_many_failed_authentications', 'too many unknown API keys; wait and retry', {
      extra: { retry_after_seconds: wait },
    });
  }
}

/** How long a found key is trusted without reading PostgreSQL again: a revoked key stops working within this. */
export const KEY_CACHE_MS = 1000;

/**
 * `Authorization: Bearer <key>`: 401 for a missing or unknown key, 403 for a key without the route's scope.
 * A found key is remembered for `KEY_CACHE_MS` on the app's clock (a round trip to PostgreSQL per request is more
 * than the checkout's fraud score can afford), and requests arriving while it is being looked up share that one
 * read; an unknown key is always looked up, so a new key works at once. Revocation in another process (or this
 * one) bites once the entry is older than `KEY_CACHE_MS`. A key's last use is written at most once a minute per key
 * (payments-core/api-keys/record-key-use.ts); a failed write of it is logged and does not fail the request.
 */
export function registerAuth(app: FastifyInstance, deps: { db: Db; clock: Clock; authFailures: FailureLimiter }): void {
  app.decorateRequest('apiKey', null);
  const uses = keyUseRecorder(deps);
  const known = new Map<string, { key: Promise<ApiKey | null>; until: number }>();
  const lookup = (secret: string): Promise<ApiKey | null> => {
    const now = deps.clock.now().getTime();
    const hit = known.get(secret);
    if (hit !== undefined && hit.until > now) return hit.key;
    if (known.size >= 10_000) known.clear();
    const key = findApiKey(deps, secret);
    known.set(secret, { key, until: now + KEY_CACHE_MS });
    // Only a found key stays remembered: an unknown one (or a failed read) is asked again next time.
    key.then(
      (found) => {
        if (found === null && known.get(secret)?.key === key) known.delete(secret);
      },
      () => {
        if (known.get(secret)?.key === key) known.delete(secret);
      },
    );
    return key;
  };
  app.addHook('onRequest', async (request) => {
    const scope = request.routeOptions.config.scope;
    if (scope === undefined) return;
    const secret = bearer(request);
    if (secret === null) throw new AppError('unauthorized', 'missing_api_key', 'send Authorization: Bearer <api key>');
    refuseWhileGuessing(deps.authFailures, request.ip, deps.clock.now());
    const key = await lookup(secret);
    if (key === null) {
      await deps.authFailures.failed(request.ip, deps.clock.now());
      throw new AppError('unauthorized', 'invalid_api_key', 'the API key is unknown or revoked');
    }
    const anyOf: readonly Scope[] = typeof scope === 'string' ? [scope] : scope;
    if (!anyOf.some((s) => hasScope(key, s))) {
      throw new AppError('forbidden', 'missing_scope', `this key lacks the ${anyOf.join(' or ')} scope`);
    }
    request.apiKey = key;
    await uses.used(key.id).catch((err: unknown) => request.log.warn({ err }, 'could not record the API key use'));
  });
}
