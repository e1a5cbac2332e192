import { createHash, randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';
import type { Sql } from './db.js';
import { conflict } from './errors.js';

/**
 * Stripe's idempotency semantics, per API key, with atomic phases and recovery points (Brandur Leach,
 * "Implementing Stripe-like Idempotency Keys in Postgres"): the first response to a key is stored and replayed
 * for the same request; a different request under the same key is refused; a key whose request still holds it is
 * busy. A request records each local phase it completes (`Recovery.reached`) in the key's row, in the same
 * transaction as the phase's work, with the resource it made; a retry after a crash resumes from there and
 * answers with that resource. Keys are kept 24 h.
 * Concurrency: the primary key (api_key_id, idempotency_key) admits one claim; an existing key is read under its
 * row lock; a claim holds the key by `lock_token` until it completes or `lockTimeoutMs` passes (its process died),
 * and every later write of the claim is guarded on that token, so a request that lost its key changes nothing.
 */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** How far an earlier attempt of this request got, and what it made. */
export interface Resumed {
  readonly point: string;
  readonly resourceId: string;
}

export type Claim =
  | { readonly kind: 'claimed'; readonly token: string; readonly resumed: Resumed | null }
  | { readonly kind: 'replay'; readonly status: number; readonly contentType: string; readonly body: string }
  | { readonly kind: 'in_use' }
  | { readonly kind: 'reused' };

/** What a use case sees of its request's key: where an earlier attempt stopped, and how to record a phase. */
export interface Recovery {
  readonly resumed: Resumed | null;
  /**
   * Records, inside `tx`, that the request has reached `point` having made `resourceId`: it commits or rolls back
   * with the phase's work. Refused (409 `idempotency_key_in_use`) if the request no longer holds its key.
   */
  reached(tx: Sql, point: string, resourceId: string): Promise<void>;
}

const CLAIM = `
INSERT INTO idempotency_keys (api_key_id, idempotency_key, method, path, request_hash, state, created_at, expires_at,
  recovery_point, locked_at, lock_token)
VALUES ($api_key_id, $key, $method, $path, $hash, 'in_flight', $now, $expires_at, 'started', $now, $token)
ON CONFLICT DO NOTHING`;

const FIND = `
SELECT request_hash, state, response_status, response_type, response_body, locked_at, expires_at, recovery_point,
  resource_id
FROM idempotency_keys WHERE api_key_id = $api_key_id AND idempotency_key = $key
FOR UPDATE`;

/** An expired key is a new key. */
const RENEW = `
UPDATE idempotency_keys
SET request_hash = $hash, method = $method, path = $path, state = 'in_flight', created_at = $now,
    expires_at = $expires_at, response_status = NULL, response_type = NULL, response_body = NULL,
    recovery_point = 'started', resource_id = NULL, locked_at = $now, lock_token = $token
WHERE api_key_id = $api_key_id AND idempotency_key = $key`;

/** A key whose request died (or gave up with a 5xx) is taken by its retry, recovery point and resource kept. */
const RELOCK = `
UPDATE idempotency_keys SET locked_at = $now, lock_token = $token
WHERE api_key_id = $api_key_id AND idempotency_key = $key AND state = 'in_flight'`;

const REACHED = `
UPDATE idempotency_keys SET recovery_point = $point, resource_id = $resource_id
WHERE api_key_id = $api_key_id AND idempotency_key = $key AND state = 'in_flight' AND lock_token = $token`;

const COMPLETE = `
UPDATE idempotency_keys SET state = 'completed', recovery_point = 'finished', response_status = $status,
  response_type = $type, response_body = $body, locked_at = NULL, lock_token = NULL
WHERE api_key_id = $api_key_id AND idempotency_key = $key AND state = 'in_flight' AND lock_token = $token`;

/** Gives the key back without an answer (a 5xx): the next retry resumes from the recovery point at once. */
const UNLOCK = `
UPDATE idempotency_keys SET locked_at = NULL, lock_token = NULL
WHERE api_key_id = $api_key_id AND idempotency_key = $key AND state = 'in_flight' AND lock_token = $token`;

/** A claim that never got past its start (a 429) leaves no trace. */
const RELEASE = `
DELETE FROM idempotency_keys
WHERE api_key_id = $api_key_id AND idempotency_key = $key AND state = 'in_flight' AND lock_token = $token
  AND recovery_point = 'started'`;

export const PURGE_EXPIRED_KEYS = 'DELETE FROM idempotency_keys WHERE expires_at < $now';

export function requestHash(method: string, path: string, body: string | Uint8Array): string {
  return createHash('sha256').update(`${method}\n${path}\n`).update(body).digest('hex');
}

export interface Held {
  readonly apiKeyId: string;
  readonly key: string;
  readonly token: string;
}

export interface IdempotencyStore {
  claim(input: { apiKeyId: string; key: string; method: string; path: string; hash: string }): Promise<Claim>;
  /** The request's view of its key for the use case (`Recovery`). */
  recovery(held: Held, resumed: Resumed | null): Recovery;
  complete(held: Held & { status: number; contentType: string; body: string }): Promise<void>;
  unlock(held: Held): Promise<void>;
  release(held: Held): Promise<void>;
}

type Transactional = Sql & { transaction<T>(w: (tx: Sql) => Promise<T>): Promise<T> };

export function createIdempotencyStore(deps: {
  db: Transactional;
  clock: Clock;
  lockTimeoutMs?: number;
}): IdempotencyStore {
  const lockTimeoutMs = deps.lockTimeoutMs ?? 60_000;
  const heldParams = (held: Held) => ({ api_key_id: held.apiKeyId, key: held.key, token: held.token });
  return {
    claim: async (input) => {
      const now = deps.clock.now();
      const token = randomUUID();
      const params = {
        api_key_id: input.apiKeyId,
        key: input.key,
        method: input.method,
        path: input.path,
        hash: input.hash,
        now,
        expires_at: new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
        token,
      };
      // A new key (the common case) is claimed by the INSERT alone, committed on its own: one round trip, where a
      // transaction around it adds two. A key that exists is looked at under its row lock, in a transaction that
      // tries the INSERT again first (the key may have gone meanwhile: a released claim, a purge).
      if ((await deps.db.run(CLAIM, params)) === 1) return { kind: 'claimed', token, resumed: null } as const;
      return deps.db.transaction(async (tx): Promise<Claim> => {
        if ((await tx.run(CLAIM, params)) === 1) return { kind: 'claimed', token, resumed: null } as const;
        const row = await tx.one<{
          request_hash: string;
          state: string;
          response_status: number | null;
          response_type: string | null;
          response_body: string | null;
          locked_at: Date | null;
          expires_at: Date;
          recovery_point: string;
          resource_id: string | null;
        }>(FIND, { api_key_id: input.apiKeyId, key: input.key });
        if (row === undefined) return { kind: 'in_use' } as const;
        if (row.expires_at.getTime() <= now.getTime()) {
          await tx.run(RENEW, params);
          return { kind: 'claimed', token, resumed: null } as const;
        }
        if (row.request_hash !== input.hash) return { kind: 'reused' } as const;
        if (row.state === 'completed') {
          return {
            kind: 'replay',
            status: row.response_status ?? 500,
            contentType: row.response_type ?? 'application/json',
            body: row.response_body ?? '',
          } as const;
        }
        const held = row.locked_at !== null && now.getTime() - row.locked_at.getTime() <= lockTimeoutMs;
        if (held) return { kind: 'in_use' } as const;
        await tx.run(RELOCK, { api_key_id: input.apiKeyId, key: input.key, now, token });
        const resumed = row.resource_id === null ? null : { point: row.recovery_point, resourceId: row.resource_id };
        return { kind: 'claimed', token, resumed } as const;
      });
    },
    recovery: (held, resumed) => ({
      resumed,
      async reached(tx, point, resourceId) {
        const changed = await tx.run(REACHED, { ...heldParams(held), point, resource_id: resourceId });
        if (changed !== 1) {
          throw conflict('idempotency_key_in_use', 'this request no longer holds its Idempotency-Key; retry it');
        }
      },
    }),
    complete: async (input) => {
      await deps.db.run(COMPLETE, {
        ...heldParams(input),
        status: input.status,
        type: input.contentType,
        body: input.body,
      });
    },
    unlock: async (held) => {
      await deps.db.run(UNLOCK, heldParams(held));
    },
    release: async (held) => {
      await deps.db.run(RELEASE, heldParams(held));
    },
  };
}
