import { Type } from '@sinclair/typebox';
import { createApiKey } from '../../payments-core/api-keys/create-api-key.js';
import { SCOPES } from '../../payments-core/api-keys/types.js';
import type { App, AppDeps } from '../app.js';
import { responses } from '../schemas.js';

export function apiKeyRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/api-keys',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['api keys'],
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            scopes: Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { minItems: 1, uniqueItems: true }),
          },
          { additionalProperties: false },
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
}
