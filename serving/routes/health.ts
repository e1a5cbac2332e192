import { Type } from '@sinclair/typebox';
import { pendingMigrations } from '../../platform/migrate.js';
import type { App, AppDeps } from '../app.js';

export function healthRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/healthz',
    {
      schema: {
        hide: true,
        // `pid`: which process answered (several answer on one port under `kosh serve --workers N`).
        response: { 200: Type.Object({ status: Type.Literal('ok'), pid: Type.Integer() }) },
      },
    },
    async () => ({ status: 'ok' as const, pid: process.pid }),
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
