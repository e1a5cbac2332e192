import { Type } from '@sinclair/typebox';
import { createSchool } from '../../payments-core/schools/create-school.js';
import { getSchool, listSchools } from '../../payments-core/schools/find-schools.js';
import type { App, AppDeps } from '../app.js';
import { Id, PageQuery, pageOf, responses, SchoolSchema } from '../schemas.js';

export function schoolRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/schools',
    {
      config: { scope: 'payments:write' },
      schema: {
        tags: ['schools'],
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            city: Type.String({ minLength: 1, maxLength: 100 }),
            state_code: Type.String({ pattern: '^[A-Z]{2}$' }),
            gstin: Type.Optional(Type.String({ minLength: 15, maxLength: 15 })),
          },
          { additionalProperties: false },
        ),
        response: responses({ 201: SchoolSchema }),
      },
    },
    async (request, reply) => reply.code(201).send(await createSchool(deps, request.body)),
  );
  app.get(
    '/schools',
    {
      config: { scope: 'payments:read' },
      schema: {
        tags: ['schools'],
        querystring: Type.Object(PageQuery),
        response: responses({ 200: pageOf(SchoolSchema) }),
      },
    },
    async (request) => listSchools(deps, request.query),
  );
  app.get(
    '/schools/:id',
    {
      config: { scope: 'payments:read' },
      schema: { tags: ['schools'], params: Type.Object({ id: Id('sch') }), response: responses({ 200: SchoolSchema }) },
    },
    async (request) => getSchool(deps, request.params.id),
  );
}
