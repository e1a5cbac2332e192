import { timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import ipaddr from 'ipaddr.js';
import { registerStateGauges } from '../../payments-core/monitoring/state-gauges.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { Log } from '../../platform/log.js';
import type { Metrics } from '../../platform/metrics.js';
import { startRequestLogWriter } from '../../platform/request-counts.js';
import type { App } from '../app.js';

/** Routes whose requests the API alert rules judge (p95 latency, 5xx rate): the API and the webhook receiver. */
function isApiRoute(route: string): boolean {
  return route.startsWith('/v1/') || route.startsWith('/webhooks/');
}

function isLoopback(ip: string): boolean {
  if (!ipaddr.isValid(ip)) return false;
  const addr = ipaddr.parse(ip);
  const v4 =
    addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()
      ? (addr as ipaddr.IPv6).toIPv4Address()
      : addr;
  return v4.range() === 'loopback';
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Records every request in the latency histogram (by route pattern, never the raw URL, and status class) and
 * API requests in the alert rules' request log (added to the counts all processes share every second); serves `GET /metrics` in the Prometheus text format.
 *
 * /metrics sits outside the API-key auth (Prometheus sends a static bearer token, not a kosh key with a
 * scope): with `KOSH_METRICS_TOKEN` set it needs `Authorization: Bearer <token>`; without one it answers
 * loopback clients only (a scraper or agent on the host), 403 to anyone else.
 */
export function registerMetrics(
  app: App,
  deps: { metrics: Metrics; db: Db; clock: Clock; log: Log; metricsToken: string | null },
): void {
  const { metrics } = deps;
  registerStateGauges(metrics.registry, deps);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.httpRequest({ method: request.method, route, status: reply.statusCode, seconds });
    if (isApiRoute(route)) {
      metrics.requests.record({ atMs: deps.clock.now().getTime(), seconds, status: reply.statusCode });
    }
  });
  // The alert rules judge every process's requests: this one's are added to the shared counts once a second.
  const writer = startRequestLogWriter(deps, metrics.requests);
  app.addHook('onClose', () => writer.stop());
  app.get(
    '/metrics',
    {
      schema: {
        hide: true,
        response: { 200: Type.String({ description: 'Prometheus text exposition format' }) },
      },
    },
    async (request, reply) => {
      if (deps.metricsToken !== null) {
        const m = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
        if (m?.[1] === undefined || !sameSecret(m[1], deps.metricsToken)) {
          throw new AppError(
            'unauthorized',
            'invalid_metrics_token',
            'send Authorization: Bearer <KOSH_METRICS_TOKEN>',
          );
        }
      } else if (!isLoopback(request.ip)) {
        throw new AppError('forbidden', 'metrics_loopback_only', 'set KOSH_METRICS_TOKEN to scrape from another host');
      }
      const body = await metrics.registry.metrics();
      return reply.header('content-type', metrics.registry.contentType).send(body);
    },
  );
}
