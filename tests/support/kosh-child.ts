import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { RazorpaySimulator } from '../../payments-core/gateway/simulator/server.js';
import { readServerFile } from '../../serving/server-file.js';
import { KEY_ID, KEY_SECRET, WEBHOOK_SECRET } from './harness.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * `kosh serve` as a real child process on a data dir and a test database, charging through a simulator that lives in
 * the test (so the gateway's books outlive the process). `env` adds or overrides settings (a kill point, a TTL).
 */
export function serveChild(
  dataDir: string,
  databaseUrl: string,
  sim: RazorpaySimulator,
  env: Record<string, string> = {},
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bin/kosh.ts'), 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      KOSH_DATA_DIR: dataDir,
      KOSH_DATABASE_URL: databaseUrl,
      PORT: '0',
      KOSH_GATEWAY: 'razorpay',
      RAZORPAY_KEY_ID: KEY_ID,
      RAZORPAY_KEY_SECRET: KEY_SECRET,
      RAZORPAY_API_URL: sim.url,
      KOSH_RAZORPAY_WEBHOOK_SECRETS: WEBHOOK_SECRET,
      KOSH_FRAUD_SCORING: 'false',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Waits for the child's server file and a healthy /healthz; its URL and admin key. */
export async function serverUp(dataDir: string, child: ChildProcess): Promise<{ url: string; key: string }> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`kosh serve exited with ${child.exitCode}`);
    const file = readServerFile(dataDir);
    if (file !== null && file.pid === child.pid) {
      const ok = await fetch(`${file.url}/healthz`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return { url: file.url, key: file.admin_key };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('kosh serve did not come up');
}

export const exited = (child: ChildProcess): Promise<void> =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
