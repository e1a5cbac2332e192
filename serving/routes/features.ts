import { Type } from '@sinclair/typebox';
import { exportFeatures } from '../../features/export-features.js';
import { FEATURE_SETS } from '../../features/feature-sets.js';
import { invalid } from '../../platform/errors.js';
import type { App, AppDeps } from '../app.js';
import { responses } from '../schemas.js';

export const PARQUET = 'application/vnd.apache.parquet';
export const ARROW_FILE = 'application/vnd.apache.arrow.file';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD (UTC midnight)' });

/** Training sets for data scientists (scope `models:admin`): the feature sets, and one exported as Parquet or Arrow. */
export function featureRoutes(app: App, deps: AppDeps): void {
  const admin = { scope: 'models:admin' as const };
  app.get(
    '/features',
    {
      config: admin,
      schema: {
        operationId: 'listFeatureSets',
        summary: 'List feature sets',
        tags: ['models'],
        description: 'The feature sets that can be exported',
        response: responses({
          200: Type.Object({
            object: Type.Literal('list'),
            data: Type.Array(
              Type.Object({ object: Type.Literal('feature_set'), name: Type.String(), description: Type.String() }),
            ),
          }),
        }),
      },
    },
    async () => ({
      object: 'list' as const,
      data: Object.values(FEATURE_SETS).map((s) => ({
        object: 'feature_set' as const,
        name: s.name,
        description: s.description,
      })),
    }),
  );
  app.get(
    '/features/:set/export',
    {
      config: admin,
      schema: {
        operationId: 'exportFeatureSet',
        summary: 'Export a feature set as Arrow',
        tags: ['models'],
        description:
          'The feature set over [from, to) as a Parquet file (default) or an Arrow IPC file: id, event_time, label, one DOUBLE per feature. ' +
          'The row count is in the `x-kosh-rows` header.',
        params: Type.Object({ set: Type.String({ minLength: 1, maxLength: 64 }) }),
        querystring: Type.Object({
          format: Type.Optional(Type.Union([Type.Literal('parquet'), Type.Literal('arrow')])),
          from: Type.Optional(Day),
          to: Type.Optional(Day),
        }),
      },
    },
    async (request, reply) => {
      const { format = 'parquet', from, to } = request.query;
      const window = {
        from: from === undefined ? undefined : new Date(from),
        to: to === undefined ? undefined : new Date(to),
      };
      if (window.from !== undefined && window.to !== undefined && window.from >= window.to) {
        throw invalid('invalid_window', 'from must be before to', [
          { field: '/from', code: 'invalid_window', message: 'must be before to' },
        ]);
      }
      const { bytes, rows } = await exportFeatures(deps, { set: request.params.set, format, ...window });
      return reply
        .type(format === 'arrow' ? ARROW_FILE : PARQUET)
        .header('x-kosh-rows', String(rows))
        .header(
          'content-disposition',
          `attachment; filename="${request.params.set}.${format === 'arrow' ? 'arrow' : 'parquet'}"`,
        )
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  );
}
