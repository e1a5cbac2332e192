import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.js';

describe('kosh CLI', () => {
  afterEach(() => vi.restoreAllMocks());

  it('when the configuration has several errors → serve exits 2 listing every one', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((m: unknown) => errors.push(String(m)));
    const code = await main(['serve'], { PORT: 'eighty', KOSH_GATEWAY: 'razorpay', KOSH_DEMO: 'perhaps' });
    expect(code).toBe(2);
    const text = errors.join('\n');
    for (const name of ['PORT', 'KOSH_DEMO', 'RAZORPAY_KEY_ID', 'RAZORPAY_KEY_SECRET', 'KOSH_RAZORPAY_WEBHOOK_SECRETS'])
      expect(text).toContain(name);
  });

  it('when migrate, seed and keys create run on a fresh data dir → each does its job once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kosh-cli-'));
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((m: unknown) => out.push(String(m)));
    vi.spyOn(console, 'error').mockImplementation((m: unknown) => out.push(String(m)));
    try {
      const env = { KOSH_DATA_DIR: dir, LOG_LEVEL: 'silent' };
      expect(await main(['migrate'], env)).toBe(0);
      expect(await main(['migrate'], env)).toBe(0);
      expect(out.join('\n')).toContain('no pending migrations');
      expect(await main(['seed', '--payments', '500', '--seed', '3'], env)).toBe(0);
      expect(out.join('\n')).toMatch(/seeded 500 payments/);
      expect(await main(['seed', '--payments', '500'], env)).toBe(1);
      expect(
        await main(['keys', 'create', '--scopes', 'payments:read,checkout:score', '--name', 'checkout'], env),
      ).toBe(0);
      expect(out.join('\n')).toMatch(/secret \(shown once\): kosh_/);
      expect(await main(['keys', 'create', '--scopes', 'everything'], env)).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
