import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../platform/config.js';

describe('config', () => {
  it('when nothing is set → the embedded defaults apply', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.gateway).toBe('simulator');
    expect(c.demo).toBe(false);
    expect(c.databaseUrl).toBeNull();
    expect(c.dataDir.endsWith('data')).toBe(true);
    expect(c.testClocks).toBe(false);
  });

  it('when the demo runs → test clocks are on unless KOSH_TEST_CLOCKS=0; KOSH_TEST_CLOCKS=1 turns them on anywhere', () => {
    expect(loadConfig({ KOSH_DEMO: '1' }).testClocks).toBe(true);
    expect(loadConfig({ KOSH_DEMO: '1', KOSH_TEST_CLOCKS: '0' }).testClocks).toBe(false);
    expect(loadConfig({ KOSH_TEST_CLOCKS: '1' }).testClocks).toBe(true);
    expect(() => loadConfig({ KOSH_TEST_CLOCKS: 'maybe' })).toThrow(ConfigError);
  });

  it('when KOSH_DATABASE_URL names a PostgreSQL server → it is used; anything else is a config problem', () => {
    expect(loadConfig({ KOSH_DATABASE_URL: 'postgres://kosh:pw@db.internal:5432/kosh' }).databaseUrl).toBe(
      'postgres://kosh:pw@db.internal:5432/kosh',
    );
    expect(loadConfig({ KOSH_DATABASE_URL: 'postgresql://localhost/kosh' }).databaseUrl).toBe(
      'postgresql://localhost/kosh',
    );
    for (const url of ['data/kosh.duckdb', 'mysql://localhost/kosh', ':memory:']) {
      try {
        loadConfig({ KOSH_DATABASE_URL: url });
        expect.unreachable(url);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).problems.join('\n')).toContain('KOSH_DATABASE_URL');
      }
    }
  });

  it('when several variables are wrong → every problem is listed at once', () => {
    try {
      loadConfig({ PORT: 'abc', KOSH_GATEWAY: 'razorpay', KOSH_DEMO: 'maybe', KOSH_WEBHOOK_ALLOW_CIDRS: 'nope' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      for (const name of [
        'PORT',
        'KOSH_DEMO',
        'RAZORPAY_KEY_ID',
        'RAZORPAY_KEY_SECRET',
        'KOSH_RAZORPAY_WEBHOOK_SECRETS',
        'KOSH_WEBHOOK_ALLOW_CIDRS',
      ]) {
        expect(problems).toContain(name);
      }
    }
  });

  it('when webhook secrets are comma-separated → each is kept for rotation', () => {
    expect(loadConfig({ KOSH_RAZORPAY_WEBHOOK_SECRETS: 'new-secret, old-secret' }).razorpayWebhookSecrets).toEqual([
      'new-secret',
      'old-secret',
    ]);
  });
});
