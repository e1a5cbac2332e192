import { Type } from '@sinclair/typebox';
import { LAKE_TABLES } from '../../pipelines/lake/tables.js';
import { exportLakeRange } from '../../pipelines/lake-export.js';
import { AppError } from '../../platform/errors.js';
import type { App, AppDeps } from '../app.js';
import { responses } from '../schemas.js';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'An IST calendar day, YYYY-MM-DD' });

/** The analytics lake: a backfill or repair export of a range of days (what `kosh lake export` calls). */
export function lakeRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/lake/exports',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'createLakeExport',
        summary: 'Export tables to the Parquet lake',
        tags: ['lake'],
        description:
          'Exports every day of from..to (inclusive) of the lake tables to the analytics bucket as Parquet, replacing those partitions',
        body: Type.Object(
          {
            from: Day,
            to: Day,
            tables: Type.Optional(
              Type.Array(Type.Union(LAKE_TABLES.map((t) => Type.Literal(t.name))), { minItems: 1, uniqueItems: true }),
            ),
          },
          { additionalProperties: false },
        ),
        response: responses({
          201: Type.Object({
            object: Type.Literal('lake_export'),
            tables: Type.Array(Type.String()),
            partitions: Type.Integer(),
            emptied: Type.Integer(),
            rows: Type.Integer(),
            bytes: Type.Integer(),
          }),
        }),
      },
    },
    async (request, reply) => {
      const objects = deps.objects;
      if (objects === undefined)
        throw new AppError('unavailable', 'no_object_store', 'this server has no object store');
      const result = await exportLakeRange({ db: deps.db, objects, clock: deps.clock, log: deps.log }, request.body);
      return reply.code(201).send({ object: 'lake_export' as const, ...result, tables: [...result.tables] });
    },
  );
}
