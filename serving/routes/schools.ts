import { Type } from '@sinclair/typebox';
import { createSchool } from '../../payments-core/schools/create-school.js';
import { getSchool, listSchools } from '../../payments-core/schools/find-schools.js';
import { updateSchool } from '../../payments-core/schools/update-school.js';
import type { App, AppDeps } from '../app.js';
import { tagged } from '../etag.js';
import {
  Id,
  IfMatchHeaders,
  Nullable,
  PageQuery,
  PRECONDITION_FAILED,
  pageOf,
  responses,
  SchoolSchema,
} from '../schemas.js';
import { BillingAddressBody, BillingAddressOut } from './customers.js';

export const SchoolOut = Type.Composite([SchoolSchema, Type.Object({ billing_address: Nullable(BillingAddressOut) })]);
const SchoolParams = Type.Object({ id: Id('sch') });

export function schoolRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/schools',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'createSchool',
        summary: 'Create a school',
        tags: ['schools'],
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            city: Type.String({ minLength: 1, maxLength: 100 }),
            state_code: Type.String({ pattern: '^[A-Z]{2}$' }),
            gstin: Type.Optional(Type.String({ minLength: 15, maxLength: 15 })),
            billing_address: Type.Optional(BillingAddressBody),
          },
          {
            additionalProperties: false,
            examples: [{ name: 'Greenwood High School', city: 'Bengaluru', state_code: 'KA' }],
          },
        ),
        response: responses({ 201: SchoolOut }),
      },
    },
    async (request, reply) => reply.code(201).send(tagged(reply, await createSchool(deps, request.body))),
  );
  app.patch(
    '/schools/:id',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'updateSchool',
        summary: 'Update a school',
        tags: ['schools'],
        params: SchoolParams,
        headers: IfMatchHeaders,
        body: Type.Object(
          { billing_address: Nullable(BillingAddressBody) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: responses({ 200: SchoolOut }, PRECONDITION_FAILED),
      },
    },
    async (request, reply) =>
      tagged(reply, await updateSchool(deps, request.params.id, request.body, request.headers['if-match'])),
  );
  app.get(
    '/schools',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'listSchools',
        summary: 'List schools',
        tags: ['schools'],
        querystring: Type.Object(PageQuery),
        response: responses({ 200: pageOf(SchoolOut) }),
      },
    },
    async (request) => listSchools(deps, request.query),
  );
  app.get(
    '/schools/:id',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'getSchool',
        summary: 'Retrieve a school',
        tags: ['schools'],
        params: SchoolParams,
        response: responses({ 200: SchoolOut }),
      },
    },
    async (request, reply) => tagged(reply, await getSchool(deps, request.params.id)),
  );
}
