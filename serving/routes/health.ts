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
          503: Type.Object({ status: Type.String(), pending_migrations: Type.Integer() }),
        },
      },
    },
    async (_request, reply) => {
      const pending = await pendingMigrations(deps.db).catch(() => -1);
      const ready = pending === 0;
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', pending_migrations: pending });
    },
  );
}
