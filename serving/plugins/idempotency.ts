import type { FastifyInstance } from 'fastify';
import { AppError, conflict, invalid } from '../../platform/errors.js';
import { type Held, type IdempotencyStore, type Recovery, requestHash } from '../../platform/idempotency.js';
import type { KillPoints } from '../../platform/kill-points.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's hold on its Idempotency-Key until the answer is stored; null without a key. */
    idempotency: Held | null;
    /**
     * For use cases with phases (orders, payments): where an earlier attempt of this request stopped, and how to
     * record a phase in the key's row; undefined without a key.
     */
    recovery: Recovery | undefined;
  }
  interface FastifyContextConfig {
    /**
     * false on a read that is sent as a POST (the checkout's fraud score): its Idempotency-Key is ignored, nothing is
     * claimed or stored, and a repeat is answered afresh.
     */
    idempotency?: false;
  }
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/** A binary answer (an Arrow stream) is kept base64-encoded, its content type marked, so a replay is byte-exact. */
const BINARY = 'base64;';

function toStored(contentType: string, payload: unknown): { contentType: string; body: string } {
  if (Buffer.isBuffer(payload)) return { contentType: `${BINARY}${contentType}`, body: payload.toString('base64') };
  return { contentType, body: typeof payload === 'string' ? payload : payload == null ? '' : String(payload) };
}

function fromStored(contentType: string, body: string): { contentType: string; body: string | Buffer } {
  return contentType.startsWith(BINARY)
    ? { contentType: contentType.slice(BINARY.length), body: Buffer.from(body, 'base64') }
    : { contentType, body };
}

/**
 * Stripe's semantics on every authenticated POST carrying `Idempotency-Key`: the first response (status
 * and body, 4xx errors included) is replayed for the same request; another body under the same key → 422
 * `idempotency_key_reused`; while the first is running → 409 `idempotency_key_in_use`. A 5xx is not stored: the key
 * is let go with its recovery point, so a retry resumes the request rather than replaying a failure. Routes marked
 * `config: { idempotency: false }` (reads) are skipped.
 */
export function registerIdempotency(app: FastifyInstance, deps: { store: IdempotencyStore; kill: KillPoints }): void {
  app.decorateRequest('idempotency', null);
  app.decorateRequest('recovery', undefined);
  app.addHook('preValidation', async (request, reply) => {
    if (request.method !== 'POST' || request.apiKey === null || request.routeOptions.config.idempotency === false)
      return;
    const header = request.headers['idempotency-key'];
    if (header === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (key === undefined || !KEY.test(key)) {
      throw invalid('invalid_idempotency_key', 'Idempotency-Key must be 1–255 printable ASCII characters', [
        {
          field: '/headers/idempotency-key',
          code: 'invalid_idempotency_key',
          message: '1–255 printable ASCII characters',
        },
      ]);
    }
    const apiKeyId = request.apiKey.id;
    const claim = await deps.store.claim({
      apiKeyId,
      key,
      method: request.method,
      path: request.url,
      // The text of a JSON or CSV body, or the bytes of a binary one (an Arrow stream).
      hash: requestHash(
        request.method,
        request.url,
        request.rawBody ?? (Buffer.isBuffer(request.body) ? request.body : ''),
      ),
    });
    switch (claim.kind) {
      case 'claimed': {
        const held = { apiKeyId, key, token: claim.token };
        request.idempotency = held;
        request.recovery = deps.store.recovery(held, claim.resumed);
        return;
      }
      case 'reused':
        throw new AppError(
          'invalid',
          'idempotency_key_reused',
          'this Idempotency-Key was used with a different request',
          {
            fields: [
              {
                field: '/headers/idempotency-key',
                code: 'idempotency_key_reused',
                message: 'already used for another request',
              },
            ],
          },
        );
      case 'in_use':
        throw conflict('idempotency_key_in_use', 'a request with this Idempotency-Key is still being processed');
      case 'replay': {
        reply.header('idempotent-replayed', 'true');
        const stored = fromStored(claim.contentType, claim.body);
        return reply
          .code(claim.status)
          .type(stored.contentType)
          .serializer((p: unknown) => p as string)
          .send(stored.body);
      }
    }
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const held = request.idempotency;
    if (held === null) return payload;
    request.idempotency = null;
    try {
      if (reply.statusCode === 429) await deps.store.release(held);
      else if (reply.statusCode >= 500) await deps.store.unlock(held);
      else {
        deps.kill.at('before_response_stored');
        await deps.store.complete({
          ...held,
          status: reply.statusCode,
          ...toStored(String(reply.getHeader('content-type') ?? 'application/json'), payload),
        });
      }
    } catch (err) {
      // The answer still goes out; the key stays held until its lock times out, and a retry then resumes.
      request.log.warn({ err, idempotency_key: held.key }, 'idempotency key not updated');
    }
    return payload;
  });
}
