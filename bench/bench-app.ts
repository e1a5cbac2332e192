import { createApiKey } from '../payments-core/api-keys/create-api-key.js';
import { createRazorpayGateway } from '../payments-core/gateway/razorpay-gateway.js';
import { startRazorpaySimulator } from '../payments-core/gateway/simulator/server.js';
import { createWebhookInbox } from '../payments-core/webhooks/webhook-inbox.js';
import { systemClock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import type { Log } from '../platform/log.js';
import { type AppDeps, buildApp } from '../serving/app.js';

/**
 * kosh's app on a loopback socket, paying through the razorpay SDK into an in-process simulator (webhooks off),
 * with an admin key: what the API benches load. `extra` adds deps (the fraud scorer, …).
 */
export async function startBenchApp(
  db: Db,
  log: Log,
  extra: Partial<AppDeps> = {},
): Promise<{ url: string; key: string; close(): Promise<void> }> {
  const sim = await startRazorpaySimulator({ keyId: 'rzp_test_bench', keySecret: 'bench_secret' });
  const gateway = createRazorpayGateway({ keyId: 'rzp_test_bench', keySecret: 'bench_secret', apiUrl: sim.url });
  const app = await buildApp({
    db,
    clock: systemClock,
    gateway,
    log,
    inbox: createWebhookInbox({ db, clock: systemClock, log, gateway }),
    config: { webhookSecrets: ['bench'], webhookAllowCidrs: [], denyCidrs: [], rateLimitPerMinute: 100_000_000 },
    ...extra,
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const key = (await createApiKey({ db, clock: systemClock }, { name: 'bench', scopes: ['admin'] })).secret;
  return {
    url,
    key,
    close: async () => {
      await app.close();
      await sim.close();
    },
  };
}
