import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../platform/config.js';
import { createMetrics, createRequestLog, percentile, statusClass } from '../../platform/metrics.js';

describe('request log (what this process adds to the shared counts the API alert rules read)', () => {
  it('when requests are recorded → summed per second and latency bucket (2 s and 5 s are edges); take empties the log', () => {
    const log = createRequestLog();
    log.record({ atMs: 10_100, seconds: 2, status: 200 });
    log.record({ atMs: 10_900, seconds: 1.5, status: 503 });
    log.record({ atMs: 10_500, seconds: 2.01, status: 200 });
    log.record({ atMs: 11_000, seconds: 60, status: 500 });
    const byKey = (a: { secondMs: number; le: number }, b: { secondMs: number; le: number }) =>
      a.secondMs - b.secondMs || a.le - b.le;
    expect(log.take().sort(byKey)).toEqual([
      { secondMs: 10_000, le: 2, requests: 2, errors5xx: 1, maxSeconds: 2 },
      { secondMs: 10_000, le: 5, requests: 1, errors5xx: 0, maxSeconds: 2.01 },
      { secondMs: 11_000, le: Number.POSITIVE_INFINITY, requests: 1, errors5xx: 1, maxSeconds: 60 },
    ]);
    expect(log.take()).toEqual([]);
  });

  it('when a write failed → its counts are put back and merged with newer ones; past maxPending new keys are dropped, counted', () => {
    const log = createRequestLog(2);
    log.record({ atMs: 1_000, seconds: 0.01, status: 200 });
    const failed = log.take();
    log.record({ atMs: 1_500, seconds: 0.008, status: 500 });
    log.putBack(failed);
    log.record({ atMs: 2_000, seconds: 0.01, status: 200 });
    log.record({ atMs: 3_000, seconds: 0.01, status: 200 });
    expect(log.take()).toEqual([
      { secondMs: 1_000, le: 0.01, requests: 2, errors5xx: 1, maxSeconds: 0.01 },
      { secondMs: 2_000, le: 0.01, requests: 1, errors5xx: 0, maxSeconds: 0.01 },
    ]);
    expect(log.dropped).toBe(1);
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
