import { createHash } from 'node:crypto';
import type { Clock } from './clock.js';
import type { Sql } from './db.js';

/**
 * Stripe's idempotency semantics, per API key: the first response to a key is stored and replayed for
 * the same request; a different request under the same key is refused; a key whose first request is
 * still running is busy. Keys are kept 24 h; an in-flight claim older than `claimTimeoutMs` is taken to
 * belong to a crashed request and may be claimed again.
 * Concurrency: the primary key (api_key_id, idempotency_key) admits one claim; an existing key is read under its
 * row lock before it is reclaimed, so two retries of a crashed request cannot both take it; completion and release
 * are guarded on `state = 'in_flight'`.
 */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export type Claim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'replay'; readonly status: number; readonly contentType: string; readonly body: string }
  | { readonly kind: 'in_use' }
  | { readonly kind: 'reused' };

const CLAIM = `
INSERT INTO idempotency_keys (api_key_id, idempotency_key, method, path, request_hash, state, created_at, expires_at)
VALUES ($api_key_id, $key, $method, $path, $hash, 'in_flight', $now, $expires_at)
ON CONFLICT DO NOTHING`;

const FIND = `
SELECT request_hash, state, response_status, response_type, response_body, created_at, expires_at
FROM idempotency_keys WHERE api_key_id = $api_key_id AND idempotency_key = $key
FOR UPDATE`;

const RECLAIM = `
UPDATE idempotency_keys
SET request_hash = $hash, method = $method, path = $path, state = 'in_flight', created_at = $now,
    expires_at = $expires_at, response_status = NULL, response_type = NULL, response_body = NULL
WHERE api_key_id = $api_key_id AND idempotency_key = $key`;

const COMPLETE = `
UPDATE idempotency_keys SET state = 'completed', response_status = $status, response_type = $type, response_body = $body
WHERE api_key_id = $api_key_id AND idempotency_key = $key AND state = 'in_flight'`;

const RELEASE = `DELETE FROM idempotency_keys WHERE api_key_id = $api_key_id AND idempotency_key = $key AND state = 'in_flight'`;

export const PURGE_EXPIRED_KEYS = 'DELETE FROM idempotency_keys WHERE expires_at < $now';

export function requestHash(method: string, path: string, body: string | Uint8Array): string {
  return createHash('sha256').update(`${method}\n${path}\n`).update(body).digest('hex');
}

export interface IdempotencyStore {
  claim(input: { apiKeyId: string; key: string; method: string; path: string; hash: string }): Promise<Claim>;
  complete(input: { apiKeyId: string; key: string; status: number; contentType: string; body: string }): Promise<void>;
  release(input: { apiKeyId: string; key: string }): Promise<void>;
}

export function createIdempotencyStore(deps: {
  db: Sql & { transaction<T>(w: (tx: Sql) => Promise<T>): Promise<T> };
  clock: Clock;
  claimTimeoutMs?: number;
}): IdempotencyStore {
  const claimTimeoutMs = deps.claimTimeoutMs ?? 60_000;
  return {
    claim: (input) =>
      deps.db.transaction(async (tx) => {
        const now = deps.clock.now();
        const params = {
          api_key_id: input.apiKeyId,
          key: input.key,
          method: input.method,
          path: input.path,
          hash: input.hash,
          now,
          expires_at: new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
        };
        if ((await tx.run(CLAIM, params)) === 1) return { kind: 'claimed' } as const;
        const row = await tx.one<{
          request_hash: string;
          state: string;
          response_status: number | null;
          response_type: string | null;
          response_body: string | null;
          created_at: Date;
          expires_at: Date;
        }>(FIND, { api_key_id: input.apiKeyId, key: input.key });
        if (row === undefined) return { kind: 'in_use' } as const;
        const expired = row.expires_at.getTime() <= now.getTime();
        const abandoned = row.state === 'in_flight' && now.getTime() - row.created_at.getTime() > claimTimeoutMs;
        if (expired || abandoned) {
          await tx.run(RECLAIM, params);
          return { kind: 'claimed' } as const;
        }
        if (row.request_hash !== input.hash) return { kind: 'reused' } as const;
        if (row.state === 'in_flight') return { kind: 'in_use' } as const;
        return {
          kind: 'replay',
          status: row.response_status ?? 500,
          contentType: row.response_type ?? 'application/json',
          body: row.response_body ?? '',
        } as const;
      }),
    complete: async (input) => {
      await deps.db.run(COMPLETE, {
        api_key_id: input.apiKeyId,
        key: input.key,
        status: input.status,
        type: input.contentType,
        body: input.body,
      });
    },
    release: async (input) => {
      await deps.db.run(RELEASE, { api_key_id: input.apiKeyId, key: input.key });
    },
  };
}
