import { Type } from '@sinclair/typebox';
import { pendingMigrations } from '../../platform/migrate.js';
import type { App, AppDeps } from '../app.js';

export function healthRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/healthz',
    { schema: { hide: true, response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({
      status: 'ok' as const,
    }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        hide: true,
        response: {
          200: Type.Object({ status: Type.String(), pending_migrations: Type.Integer() }),
          503: Type.Object({
            status: Type.String(),
            pending_migrations: Type.Integer(),
            problems: Type.Array(Type.String()),
          }),
        },
      },
    },
    async (_request, reply) => {
      const problems = deps.storageProblems?.() ?? [];
      const pending = await pendingMigrations(deps.db).catch(() => -1);
      if (pending === -1) problems.push('the database does not answer');
      else if (pending > 0) problems.push(`${pending} migrations are pending`);
      if (problems.length === 0) return reply.code(200).send({ status: 'ready', pending_migrations: pending });
      return reply.code(503).send({ status: 'not_ready', pending_migrations: pending, problems });
    },
  );
}
