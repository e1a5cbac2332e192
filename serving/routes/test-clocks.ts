import { Type } from '@sinclair/typebox';
import { createTestClock } from '../../payments-core/test-clocks/create-test-clock.js';
import { deleteTestClock } from '../../payments-core/test-clocks/delete-test-clock.js';
import { getTestClock } from '../../payments-core/test-clocks/find-test-clocks.js';
import { advanceTestClock } from '../../pipelines/advance-test-clock.js';
import type { App, AppDeps } from '../app.js';
import { Id, Nullable, responses } from '../schemas.js';

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const TestClockSchema = Type.Object({
  object: Type.Literal('test_clock'),
  id: Type.String(),
  name: Nullable(Type.String()),
  frozen_time: Timestamp,
  status: Type.Union([Type.Literal('ready'), Type.Literal('advancing')]),
  advancing_to: Nullable(Timestamp),
  customers: Type.Integer({ description: 'Customers created on this clock' }),
  created_at: Timestamp,
});
const ClockParams = Type.Object({ id: Id('clock') });
/** The longest `Prefer: wait=<seconds>` (RFC 7240 §4.3) an advance honours. */
const MAX_WAIT_SECONDS = 300;

/** The seconds of an RFC 7240 `wait` preference, capped; 0 without one. */
function preferredWait(prefer: string | undefined): number {
  const m = /(?:^|[,;\s])wait\s*=\s*(\d+)/i.exec(prefer ?? '');
  return m === null ? 0 : Math.min(Number(m[1]), MAX_WAIT_SECONDS);
}

const FrozenTime = Type.String({ format: 'date-time', description: "The clock's time (ISO 8601)" });

/** Test clocks (only registered when `KOSH_TEST_CLOCKS` is on; otherwise the paths answer 404 like any unknown one). */
export function testClockRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/test-clocks',
    {
      config: { scope: 'billing:admin' },
      schema: {
        tags: ['test clocks'],
        summary: 'Create a test clock frozen at a time',
        operationId: 'createTestClock',
        body: Type.Object(
          { frozen_time: FrozenTime, name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
          { additionalProperties: false },
        ),
        response: responses({ 201: TestClockSchema }),
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await createTestClock(deps, { ...request.body, frozen_time: new Date(request.body.frozen_time) })),
  );
  app.get(
    '/test-clocks/:id',
    {
      config: { scope: 'billing:admin' },
      schema: {
        tags: ['test clocks'],
        summary: 'A test clock',
        operationId: 'getTestClock',
        params: ClockParams,
        response: responses({ 200: TestClockSchema }),
      },
    },
    async (request) => getTestClock(deps, request.params.id),
  );
  app.post(
    '/test-clocks/:id/advance',
    {
      config: { scope: 'billing:admin' },
      schema: {
        tags: ['test clocks'],
        summary: "Advance a test clock, running every job due for its customers' objects on the way",
        description:
          "Answers at once with the clock `advancing`; the due steps run in the background, in order of due time, and the clock is `ready` at the new time when they are done (poll GET). With `Prefer: wait=<seconds>` (RFC 7240, at most 300) the answer waits that long for them. `frozen_time` must be later than the clock's (422); a clock already advancing is 409.",
        headers: Type.Object({ prefer: Type.Optional(Type.String()) }),
        operationId: 'advanceTestClock',
        params: ClockParams,
        body: Type.Object({ frozen_time: FrozenTime }, { additionalProperties: false }),
        response: responses({ 200: TestClockSchema }),
      },
    },
    async (request, reply) => {
      const wait = preferredWait(request.headers.prefer);
      if (wait > 0) void reply.header('preference-applied', `wait=${wait}`);
      return advanceTestClock(deps, request.params.id, new Date(request.body.frozen_time), { waitMs: wait * 1000 });
    },
  );
  app.delete(
    '/test-clocks/:id',
    {
      config: { scope: 'billing:admin' },
      schema: {
        tags: ['test clocks'],
        summary: 'Delete a test clock without customers',
        description: 'kosh never deletes money records: a clock with customers is refused (409) and stays.',
        operationId: 'deleteTestClock',
        params: ClockParams,
        response: responses({
          200: Type.Object({ object: Type.Literal('test_clock'), id: Type.String(), deleted: Type.Literal(true) }),
        }),
      },
    },
    async (request) => {
      await deleteTestClock(deps, request.params.id);
      return { object: 'test_clock' as const, id: request.params.id, deleted: true as const };
    },
  );
}
