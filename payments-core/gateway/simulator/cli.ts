import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startRazorpaySimulator } from './server.js';

/** `kosh razorpay-sim`: the simulator on its own, for any Razorpay SDK pointed at its URL. */
export async function runRazorpaySimulatorCli(
  argv: string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'key-id': { type: 'string' },
      'key-secret': { type: 'string' },
      'webhook-url': { type: 'string' },
      'webhook-secret': { type: 'string' },
      'latency-ms': { type: 'string' },
      'failure-rate': { type: 'string' },
      'duplicate-rate': { type: 'string' },
      shuffle: { type: 'boolean' },
      'settlement-cycle-days': { type: 'string' },
    },
  });
  const cycle = Number(values['settlement-cycle-days'] ?? 2);
  if (!Number.isInteger(cycle) || cycle < 0 || cycle > 30) {
    console.error('--settlement-cycle-days: a whole number of working days from 0 to 30 (Razorpay default: 2)');
    return 2;
  }
  const keyId = values['key-id'] ?? env['RAZORPAY_KEY_ID'] ?? `rzp_test_${randomBytes(7).toString('hex')}`;
  const keySecret = values['key-secret'] ?? env['RAZORPAY_KEY_SECRET'] ?? randomBytes(18).toString('base64url');
  const webhookUrl = values['webhook-url'] ?? env['RAZORPAY_SIM_WEBHOOK_URL'];
  const webhookSecret =
    values['webhook-secret'] ??
    env['KOSH_RAZORPAY_WEBHOOK_SECRETS']?.split(',')[0] ??
    randomBytes(18).toString('base64url');
  const sim = await startRazorpaySimulator({
    keyId,
    keySecret,
    port: Number(values.port ?? env['PORT'] ?? 9000),
    host: values.host ?? '127.0.0.1',
    latencyMs: Number(values['latency-ms'] ?? 0),
    failureRate: Number(values['failure-rate'] ?? 0),
    refundProcessingMs: 2000,
    settlementCycleDays: cycle,
    webhook:
      webhookUrl === undefined
        ? null
        : {
            url: webhookUrl,
            secret: webhookSecret,
            duplicateRate: Number(values['duplicate-rate'] ?? 0),
            shuffle: values.shuffle ?? false,
          },
  });
  console.log(`Razorpay simulator (test mode) on ${sim.url}`);
  console.log(`  key id:     ${keyId}\n  key secret: ${keySecret}`);
  console.log(
    webhookUrl === undefined
      ? '  webhooks:   off (--webhook-url to enable)'
      : `  webhooks:   ${webhookUrl} (secret ${webhookSecret})`,
  );
  console.log("  SDK:        new Razorpay({ key_id, key_secret }).api.rq.defaults.baseURL = '<url above>'");
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.close();
  return 0;
}
