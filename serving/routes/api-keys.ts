import { Type } from '@sinclair/typebox';
import { createApiKey } from '../../payments-core/api-keys/create-api-key.js';
import { listApiKeys } from '../../payments-core/api-keys/list-api-keys.js';
import { revokeApiKey } from '../../payments-core/api-keys/revoke-api-key.js';
import { MAX_GRACE_SECONDS, rotateApiKey } from '../../payments-core/api-keys/rotate-api-key.js';
import { SCOPES } from '../../payments-core/api-keys/types.js';
import type { App, AppDeps } from '../app.js';
import { Id, Nullable, pageOf, responses, Timestamp } from '../schemas.js';

const ApiKeySchema = Type.Object({
  object: Type.Literal('api_key'),
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the secret, to tell keys apart' }),
  scopes: Type.Array(Type.String()),
  status: Type.Union([Type.Literal('active'), Type.Literal('expiring'), Type.Literal('revoked')]),
  created_at: Timestamp,
  expires_at: Nullable(Timestamp),
  revoked_at: Nullable(Timestamp),
  last_used_at: Nullable({
    ...Timestamp,
    description: 'When the key was last used, to the minute (written at most once a minute); null if never',
  }),
});
const KeyParams = Type.Object({ id: Id('key') });

/** API keys: create, list, revoke and rotate (roll). Secrets are shown once, at creation or rotation. */
export function apiKeyRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/api-keys',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'createApiKey',
        summary: 'Create an API key',
        tags: ['api keys'],
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            scopes: Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { minItems: 1, uniqueItems: true }),
          },
          {
            additionalProperties: false,
            examples: [{ name: 'checkout service', scopes: ['checkout:score', 'payments:write'] }],
          },
        ),
        response: responses({
          201: Type.Object({
            object: Type.Literal('api_key'),
            id: Type.String(),
            name: Type.String(),
            scopes: Type.Array(Type.String()),
            secret: Type.String({ description: 'Shown once; only its hash is stored' }),
          }),
        }),
      },
    },
    async (request, reply) => {
      const { key, secret } = await createApiKey(deps, request.body);
      return reply
        .code(201)
        .send({ object: 'api_key' as const, id: key.id, name: key.name, scopes: [...key.scopes], secret });
    },
  );
  app.get(
    '/api-keys',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'listApiKeys',
        summary: 'List API keys',
        tags: ['api keys'],
        description: 'The keys that work now, newest first, without secrets; `include_revoked=true` adds revoked ones.',
        querystring: Type.Object(
          { include_revoked: Type.Optional(Type.Boolean({ default: false })) },
          { additionalProperties: false },
        ),
        response: responses({ 200: pageOf(ApiKeySchema) }),
      },
    },
    async (request) => ({
      object: 'list' as const,
      data: await listApiKeys(deps, { includeRevoked: request.query.include_revoked ?? false }),
      has_more: false,
    }),
  );
  app.post(
    '/api-keys/:id/revoke',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key',
        tags: ['api keys'],
        description: 'Revokes the key now (every kosh process refuses it within a second). Revoking twice is a no-op.',
        params: KeyParams,
        response: responses({ 200: ApiKeySchema }),
      },
    },
    async (request) => revokeApiKey(deps, request.params.id),
  );
  app.post(
    '/api-keys/:id/rotate',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'rotateApiKey',
        summary: 'Rotate an API key',
        tags: ['api keys'],
        description:
          'Rolls the key: a new key with the same name and scopes (secret shown once), and the old one revoked now ' +
          'or after `expires_in_seconds`, so callers can switch without an outage.',
        params: KeyParams,
        body: Type.Optional(
          Type.Object(
            { expires_in_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_GRACE_SECONDS })) },
            { additionalProperties: false },
          ),
        ),
        response: responses({
          201: Type.Composite([
            ApiKeySchema,
            Type.Object({
              secret: Type.String({ description: 'Shown once; only its hash is stored' }),
              previous: ApiKeySchema,
            }),
          ]),
        }),
      },
    },
    async (request, reply) => {
      const { key, secret, previous } = await rotateApiKey(deps, request.params.id, {
        graceSeconds: request.body?.expires_in_seconds ?? 0,
      });
      return reply.code(201).send({ ...key, secret, previous });
    },
  );
}
