import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModel } from '../../models/registry/register-model.js';
import { scoreReference } from '../../models/score-reference.js';
import { evaluateAlerts, measureAlertRules } from '../../payments-core/monitoring/evaluate-alerts.js';
import { populationStabilityIndex } from '../../payments-core/monitoring/score-drift.js';
import { DEFAULT_ALERT_SETTINGS } from '../../payments-core/monitoring/types.js';
import { newId } from '../../platform/ids.js';
import { seededRandom } from '../../platform/random.js';
import { type RegistryDeps, registryDeps } from '../models/registry/support.js';

const beta = (random: () => number, shift: number) => () => Math.min(0.999, random() ** (3 - shift));

describe('alerts on models', () => {
  let deps: RegistryDeps;
  let version: string;
  const random = seededRandom(3);
  const reference = Array.from({ length: 2000 }, beta(random, 0));

  beforeAll(async () => {
    deps = await registryDeps();
    const model = await registerModel(deps, {
      task: 'fraud',
      version: 'fraud-20261128-drft',
      algorithm: 'test',
      featureSetVersion: 'fraud-v0',
      featureNames: ['x'],
      params: {},
      thresholds: { block: 0.9, review: 0.5 },
      metrics: { rocAuc: 0.9, scoreReference: scoreReference(reference) },
      trainRows: 1,
      validationRows: 1,
      seed: 1,
      trainFrom: null,
      trainTo: deps.clock.now(),
      validationFrom: deps.clock.now(),
      dataHash: 'x',
      artifact: new Uint8Array([1]),
      artifactContentType: 'application/octet-stream',
    });
    version = model.id;
  }, 120_000);
  afterAll(async () => deps?.close());

  const decide = async (scores: readonly number[], blockAbove: number) => {
    const now = deps.clock.now();
    for (const [i, score] of scores.entries())
      await deps.db.run(
        `INSERT INTO fraud_decisions (id, attempt_id, customer_id, amount_minor, source, score, decision, reasons,
           rule_hits, model_version, model_role, latency_us, budget_exceeded, created_at)
         VALUES ($id, $id, 'cus_1', 110000, 'payment', $score, $decision, '[]', '[]', $version, 'champion', 100, false, $at)`,
        {
          id: newId('fdec'),
          score,
          decision: score > blockAbove ? 'block' : 'allow',
          version,
          at: new Date(now.getTime() - 1000 - i),
        },
      );
  };
  const verdict = async (rule: string) =>
    (await measureAlertRules(deps, deps.clock.now(), DEFAULT_ALERT_SETTINGS)).find((v) => v.rule.name === rule);

  it('when live scores follow the reference → PSI near 0; when they shift → above 0.25', () => {
    const bins = scoreReference(reference);
    expect(bins.shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const same = Array.from({ length: 2000 }, beta(seededRandom(4), 0));
    const shifted = Array.from({ length: 2000 }, beta(seededRandom(4), 2));
    expect(populationStabilityIndex(bins, same)).toBeLessThan(0.02);
    expect(populationStabilityIndex(bins, shifted)).toBeGreaterThan(0.25);
  });

  it("when the champion's live scores drift and it blocks many → score-drift and block-rate alerts open", async () => {
    expect((await verdict('fraud_score_drift'))?.judged).toBe(false);
    await decide(Array.from({ length: 300 }, beta(seededRandom(5), 2)), 0.95);
    const drift = await verdict('fraud_score_drift');
    expect(drift).toMatchObject({ judged: true, severity: 'critical' });
    expect(drift?.measurement.samples).toBe(300);
    const block = await verdict('fraud_block_rate');
    expect(block?.judged).toBe(true);
    expect(block?.measurement.value).toBeGreaterThan(0.03);
    await evaluateAlerts(deps, { now: deps.clock.now() });
    const open = await deps.db.all('SELECT rule, severity FROM alerts WHERE status = $s ORDER BY rule', { s: 'open' });
    expect(open).toEqual(
      expect.arrayContaining([
        { rule: 'fraud_block_rate', severity: 'critical' },
        { rule: 'fraud_score_drift', severity: 'critical' },
      ]),
    );
  });

  it('when the churn report fails → an alert until a run succeeds', async () => {
    const run = (status: string, minutesAgo: number) =>
      deps.db.run(
        `INSERT INTO job_runs (id, job, trigger, status, holder, started_at, finished_at, error)
         VALUES ($id, 'churn-report', 'schedule', $status, 'test', $at, $at, $error)`,
        {
          id: newId('run'),
          status,
          at: new Date(deps.clock.now().getTime() - minutesAgo * 60_000),
          error: status === 'failed' ? 'no churn model' : null,
        },
      );
    await run('succeeded', 3 * 1440);
    expect((await verdict('churn_report_failed'))?.severity).toBeNull();
    await run('failed', 1440);
    expect(await verdict('churn_report_failed')).toMatchObject({ severity: 'warning', measurement: { value: 1 } });
    await evaluateAlerts(deps, { now: deps.clock.now() });
    expect(
      await deps.db.all("SELECT rule FROM alerts WHERE status = 'open' AND rule = 'churn_report_failed'"),
    ).toHaveLength(1);
    await run('succeeded', 1);
    await evaluateAlerts(deps, { now: deps.clock.now() });
    expect(
      await deps.db.all("SELECT rule FROM alerts WHERE status = 'open' AND rule = 'churn_report_failed'"),
    ).toHaveLength(0);
  });
});
