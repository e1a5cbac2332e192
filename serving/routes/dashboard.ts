import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse as parseQuery } from 'node:querystring';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { findApiKey } from '../../payments-core/api-keys/create-api-key.js';
import { hasScope } from '../../payments-core/api-keys/types.js';
import { createDashboardSession } from '../../payments-core/dashboard-sessions/create-dashboard-session.js';
import { endDashboardSession } from '../../payments-core/dashboard-sessions/end-dashboard-session.js';
import { findDashboardSession } from '../../payments-core/dashboard-sessions/find-dashboard-session.js';
import type { DashboardSession } from '../../payments-core/dashboard-sessions/types.js';
import { AppError } from '../../platform/errors.js';
import type { App, AppDeps } from '../app.js';
import { getDashboardData } from '../dashboard/get-dashboard-data.js';
import { refuseWhileGuessing } from '../plugins/auth.js';
import { Id, responses } from '../schemas.js';

/** A dashboard session lasts this long from sign-in; signing out ends it sooner (on every process). */
export const DASHBOARD_SESSION_TTL_MS = 8 * 3_600_000;
/** Live dashboard sessions kept at most; the oldest go first. */
export const DASHBOARD_SESSIONS_MAX = 10_000;
export const DASHBOARD_COOKIE = 'kosh_dashboard';

/** Only kosh's own files: no inline script or style, no other origin, not framed. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const here = path.dirname(fileURLToPath(import.meta.url));
const pageDir = path.join(here, '..', 'dashboard');
/** chart.js's package exports only its ESM/CJS builds; the UMD bundle sits beside the CJS one. */
const chartJsFile = path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js');

const Day = (description: string) => Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description }));

function cookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === DASHBOARD_COOKIE) return value.join('=');
  }
  return undefined;
}

function setCookie(request: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number): void {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  reply.header(
    'set-cookie',
    `${DASHBOARD_COOKIE}=${value}; Path=/dashboard; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`,
  );
}

/**
 * Sign-in only from kosh's own page (no login CSRF): a browser says where a post comes from in Sec-Fetch-Site, or
 * else in Origin (`null` under a no-referrer policy, which then says nothing); non-browser clients send neither.
 */
function sameOrigin(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin' || site === 'none';
  const origin = request.headers.origin;
  if (origin === undefined || origin === 'null') return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/**
 * The leadership dashboard: `GET /dashboard` (the page, or the sign-in form without a session), its static files,
 * `POST /dashboard/session` (sign in with an API key of scope analytics:read or admin; the key stays server-side,
 * the browser gets an HttpOnly SameSite=Strict cookie with a random session id), sign-out, and
 * `GET /dashboard/data` (the JSON the page draws). Registered in its own scope for the form-body parser.
 */
export async function dashboardRoutes(app: App, deps: AppDeps): Promise<void> {
  const files = {
    index: readFileSync(path.join(pageDir, 'index.html'), 'utf8'),
    signin: readFileSync(path.join(pageDir, 'signin.html'), 'utf8'),
    js: readFileSync(path.join(pageDir, 'dashboard.js'), 'utf8'),
    css: readFileSync(path.join(pageDir, 'dashboard.css'), 'utf8'),
    chart: readFileSync(chartJsFile, 'utf8'),
  };
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
    done(null, parseQuery(body as string)),
  );
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', CSP);
  });

  /** The session's key, checked again (a revoked key or a lost scope ends the session). */
  const signedIn = async (request: FastifyRequest): Promise<DashboardSession | null> => {
    const id = cookieOf(request);
    const session = await findDashboardSession(deps, id);
    if (session === null) return null;
    if (session.key === null || !hasScope(session.key, 'analytics:read')) {
      await endDashboardSession(deps, id);
      return null;
    }
    return session;
  };

  const signInPage = (reply: FastifyReply, status: number, message: string | null) =>
    reply
      .code(status)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(files.signin.replace('<!--message-->', message === null ? '' : `<p class="error">${message}</p>`));

  app.get('/dashboard', { schema: { hide: true } }, async (request, reply) => {
    if ((await signedIn(request)) === null) return signInPage(reply, 200, null);
    return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(files.index);
  });

  const asset = (url: string, type: string, body: string) =>
    app.get(url, { schema: { hide: true } }, async (_request, reply) =>
      reply.header('cache-control', 'no-cache').type(type).send(body),
    );
  asset('/dashboard/assets/dashboard.js', 'text/javascript; charset=utf-8', files.js);
  asset('/dashboard/assets/dashboard.css', 'text/css; charset=utf-8', files.css);
  asset('/dashboard/assets/chart.umd.js', 'text/javascript; charset=utf-8', files.chart);

  app.post(
    '/dashboard/session',
    {
      config: { cardGuard: false },
      schema: {
        operationId: 'createDashboardSession',
        summary: 'Sign in to the dashboard with an API key',
        tags: ['dashboard'],
        description:
          'Signs the dashboard in with an API key (scope analytics:read or admin), as a form or JSON body. The key stays in the server-side session; the answer sets an HttpOnly, SameSite=Strict cookie holding a random session id (Secure over https). A form post is redirected to /dashboard.',
        security: [],
        body: Type.Object({ api_key: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: {
          201: Type.Object({
            object: Type.Literal('dashboard_session'),
            expires_at: Type.String({ format: 'date-time' }),
          }),
          ...responses({}),
        },
      },
    },
    async (request, reply) => {
      const form = (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      if (!sameOrigin(request))
        throw new AppError('forbidden', 'cross_origin', 'sign in from kosh’s own dashboard page');
      if (deps.authFailures !== undefined) refuseWhileGuessing(deps.authFailures, request.ip, deps.clock.now());
      const key = await findApiKey(deps, request.body.api_key);
      if (key === null) await deps.authFailures?.failed(request.ip, deps.clock.now());
      if (key === null || !hasScope(key, 'analytics:read')) {
        const message =
          key === null ? 'That API key is unknown or revoked.' : 'That API key lacks the analytics:read scope.';
        if (form) return signInPage(reply, key === null ? 401 : 403, message);
        throw key === null
          ? new AppError('unauthorized', 'invalid_api_key', 'the API key is unknown or revoked')
          : new AppError('forbidden', 'missing_scope', 'this key lacks the analytics:read or admin scope');
      }
      const session = await createDashboardSession(deps, {
        keyId: key.id,
        ttlMs: DASHBOARD_SESSION_TTL_MS,
        max: DASHBOARD_SESSIONS_MAX,
      });
      setCookie(request, reply, session.id, Math.floor(DASHBOARD_SESSION_TTL_MS / 1000));
      reply.header('cache-control', 'no-store');
      if (form) return reply.redirect('/dashboard', 303);
      return reply
        .code(201)
        .send({ object: 'dashboard_session' as const, expires_at: session.expiresAt.toISOString() });
    },
  );

  const signOut = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    await endDashboardSession(deps, cookieOf(request));
    setCookie(request, reply, '', 0);
  };
  app.post('/dashboard/session/delete', { schema: { hide: true } }, async (request, reply) => {
    await signOut(request, reply);
    return reply.redirect('/dashboard', 303);
  });
  app.delete(
    '/dashboard/session',
    {
      schema: {
        operationId: 'deleteDashboardSession',
        summary: 'Sign out of the dashboard',
        tags: ['dashboard'],
        description: 'Signs the dashboard out.',
        security: [],
      },
    },
    async (request, reply) => {
      await signOut(request, reply);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/dashboard/data',
    {
      schema: {
        operationId: 'getDashboardData',
        summary: 'Figures for the dashboard page',
        tags: ['dashboard'],
        description:
          'What the dashboard draws for IST days [from, to] (default: the last 180 days) and optionally one school; needs the session cookie. Alerts are platform-wide.',
        security: [],
        querystring: Type.Object(
          {
            from: Day('first IST day, YYYY-MM-DD'),
            to: Day('last IST day (inclusive), YYYY-MM-DD; default today'),
            school_id: Type.Optional(Id('sch')),
          },
          { additionalProperties: false },
        ),
        response: responses({
          200: Type.Object(
            { object: Type.Literal('dashboard'), from: Type.String(), to: Type.String() },
            { additionalProperties: true, description: 'see serving/dashboard/get-dashboard-data.ts (DashboardData)' },
          ),
        }),
      },
    },
    async (request, reply) => {
      if ((await signedIn(request)) === null) {
        throw new AppError('unauthorized', 'no_dashboard_session', 'sign in at /dashboard first');
      }
      reply.header('cache-control', 'no-store');
      return getDashboardData(deps, request.query);
    },
  );
}
