import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../platform/config.js';
import { createMetrics, createRequestLog, percentile, statusClass } from '../../platform/metrics.js';

describe('request log (the API alert rules read it)', () => {
  it('when requests fall inside and outside the window → counts, 5xx and p95 of the window only', () => {
    const log = createRequestLog(1000);
    for (let i = 0; i < 100; i++) log.record({ atMs: 10_000 + i, seconds: (i + 1) / 100, status: i < 3 ? 502 : 200 });
    log.record({ atMs: 5_000, seconds: 60, status: 500 }); // before the window
    expect(log.window(10_000, 20_000)).toEqual({ requests: 100, errors5xx: 3, p95Seconds: 0.95 });
    expect(log.window(30_000, 40_000)).toEqual({ requests: 0, errors5xx: 0, p95Seconds: null });
  });

  it('when more requests arrive than it holds → the oldest are forgotten', () => {
    const log = createRequestLog(10);
    for (let i = 0; i < 25; i++) log.record({ atMs: i, seconds: i, status: 200 });
    expect(log.window(0, 100).requests).toBe(10);
    expect(log.window(0, 14).requests).toBe(0);
    expect(log.window(0, 100).p95Seconds).toBe(24);
  });

  it('nearest-rank percentile and status classes', () => {
    expect(percentile([], 0.95)).toBeNull();
    expect(percentile([3, 1, 2], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(10);
    expect(statusClass(204)).toBe('2xx');
    expect(statusClass(503)).toBe('5xx');
  });

  it('when two metrics instances exist → separate registries, no duplicate-name error', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.paymentAttempted('upi');
    expect(await a.registry.getSingleMetricAsString('kosh_payment_attempts_total')).toContain(
      'kosh_payment_attempts_total{method="upi"} 1',
    );
    expect(await b.registry.getSingleMetricAsString('kosh_payment_attempts_total')).not.toContain('upi');
  });
});

describe('alerting and metrics configuration', () => {
  it('when unset → 5 min window, 20 payments, 100 requests, no webhook, no token, 30 s shutdown', () => {
    const config = loadConfig({});
    expect(config.alerting).toEqual({ windowMs: 300_000, minPayments: 20, minRequests: 100, webhookUrl: null });
    expect(config.metricsToken).toBeNull();
    expect(config.shutdownTimeoutMs).toBe(30_000);
  });

  it('when set → read; when malformed → every problem listed', () => {
    const config = loadConfig({
      KOSH_ALERT_WINDOW_MINUTES: '10',
      KOSH_ALERT_MIN_PAYMENTS: '50',
      KOSH_ALERT_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/x',
      KOSH_METRICS_TOKEN: 'a-long-enough-token',
      KOSH_SHUTDOWN_TIMEOUT_SECONDS: '5',
    });
    expect(config.alerting).toMatchObject({
      windowMs: 600_000,
      minPayments: 50,
      webhookUrl: 'https://hooks.slack.com/services/T0/B0/x',
    });
    expect(config.metricsToken).toBe('a-long-enough-token');
    expect(config.shutdownTimeoutMs).toBe(5000);
    try {
      loadConfig({
        KOSH_ALERT_WEBHOOK_URL: 'slack please',
        KOSH_METRICS_TOKEN: 'short',
        KOSH_ALERT_WINDOW_MINUTES: '0',
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as ConfigError).problems.join('\n');
      for (const name of ['KOSH_ALERT_WEBHOOK_URL', 'KOSH_METRICS_TOKEN', 'KOSH_ALERT_WINDOW_MINUTES'])
        expect(text).toContain(name);
    }
  });
});
