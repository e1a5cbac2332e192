import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAUD_FEATURE_SET_VERSION, FRAUD_FEATURES } from '../../../features/fraud/feature-set.js';
import { offlineFraudFeatures } from '../../../features/fraud/offline-features.js';
import { trainFraudModel } from '../../../models/fraud/model.js';
import { findCanary, startCanary, stopCanary } from '../../../models/registry/canary.js';
import { getModel, listModelEvents, listModels } from '../../../models/registry/find-models.js';
import { type PromotionGate, promoteModel } from '../../../models/registry/promote-model.js';
import { registerFraudModel } from '../../../models/registry/register-model.js';
import { rollbackModel } from '../../../models/registry/rollback-model.js';
import { modelKeys, type RegisteredModel } from '../../../models/registry/types.js';
import { splitByTime, trainFraud } from '../../../pipelines/train-fraud.js';
import { NOW, type RegistryDeps, registryDeps } from './support.js';

/** The registry on demo payments: real features, real training, real DuckDB and a local object store. */
describe('model registry', () => {
  let deps: RegistryDeps;
  let first: RegisteredModel;
  let twin: RegisteredModel;
  let retrain: RegisteredModel;
  let inverted: RegisteredModel;
  beforeAll(async () => {
    deps = await registryDeps({ payments: 15_000 });
    // The champion trains on the older 70 % of the attempts; the honest retrain on all of them, so its test window
    // (the newest 20 %) lies wholly after the champion's data: the fair gate's fresh window.
    const all = await offlineFraudFeatures(deps, { to: deps.clock.now() });
    const times = all.at.map((d) => d.getTime()).sort((a, b) => a - b);
    const championTo = new Date(times[Math.floor(times.length * 0.7)] as number);
    first = (await trainFraud(deps, { seed: 42, to: championTo })).model;
    deps.clock.advance(60_000);
    twin = (await trainFraud(deps, { seed: 42, to: first.train_to })).model;
    deps.clock.advance(60_000);
    retrain = (await trainFraud(deps, { seed: 42, to: NOW })).model;
    deps.clock.advance(60_000);
    // A model that learned the opposite of fraud, registered with the retrain's windows: it must lose the gate.
    const set = await offlineFraudFeatures(deps, { to: NOW });
    const { train, validation } = splitByTime(set, 0.2, NOW);
    const flip = (labels: Uint8Array) => labels.map((l) => 1 - l);
    const trained = await trainFraudModel(
      { rows: train.rows, labels: flip(train.labels) },
      { rows: validation.rows, labels: flip(validation.labels) },
      { seed: 42, featureNames: FRAUD_FEATURES, featureSetVersion: FRAUD_FEATURE_SET_VERSION },
    );
    inverted = await registerFraudModel(deps, {
      ...trained,
      seed: 42,
      trainFrom: null,
      trainTo: NOW,
      validationFrom: retrain.validation_from,
      dataHash: 'inverted-labels',
    });
  }, 240_000);
  afterAll(async () => deps.close());

  it('when the first fraud model is registered → it is the champion at once, with manifest, artifact and report stored', async () => {
    expect(first).toMatchObject({
      state: 'champion',
      task: 'fraud',
      seed: 42,
      feature_set_version: FRAUD_FEATURE_SET_VERSION,
    });
    expect(first.promoted_at).toEqual(first.created_at);
    // Train / calibration / test (the evaluation protocol): the test and calibration windows are 20 % each.
    expect(first.train_rows + 2 * first.validation_rows).toBeGreaterThan(9_000);
    expect(first.validation_rows / (first.train_rows + 2 * first.validation_rows)).toBeCloseTo(0.2, 2);
    expect(first.validation_from.getTime()).toBeLessThan(first.train_to.getTime());
    expect(Object.keys(first.metrics)).toEqual(
      expect.arrayContaining(['rocAuc', 'prAuc', 'recallAtHalfPercentFpr', 'precisionAtBlock', 'calibrationError']),
    );
    expect(first.metrics['roc']).toBeUndefined();
    const events = await listModelEvents(deps, first.id);
    expect(events.map((e) => [e.event, e.reason])).toEqual([
      ['registered', null],
      ['promoted', 'first_model'],
    ]);
    expect((await deps.objects.list('models', modelKeys('fraud', first.id).dir)).sort()).toEqual(
      [
        modelKeys('fraud', first.id).artifact,
        modelKeys('fraud', first.id).manifest,
        modelKeys('fraud', first.id).report,
      ].sort(),
    );
  });

  it('when the same window is trained again with the same seed → a candidate with the same data hash', () => {
    expect(twin.state).toBe('candidate');
    expect(twin.promoted_at).toBeNull();
    expect(twin.data_hash).toBe(first.data_hash);
    expect(twin.data_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(twin.validation_from).toEqual(first.validation_from);
  });

  it("when the candidate has no data after the champion's (same window) → 409 promotion_gate_undecidable, nothing changes", async () => {
    const error = await promoteModel(deps, twin.id).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'promotion_gate_undecidable', kind: 'conflict' });
    expect((error as { extra: { gate: { rows: number } } }).extra.gate).toMatchObject({ refused: true, rows: 0 });
    expect((await getModel(deps, first.id)).state).toBe('champion');
    expect((await getModel(deps, twin.id)).state).toBe('candidate');
  });

  it('when a candidate is worse on the fresh window → 409 promotion_gate_failed and nothing changes', async () => {
    const error = await promoteModel(deps, inverted.id).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'promotion_gate_failed', kind: 'conflict' });
    const gate = (error as { extra: { gate: PromotionGate } }).extra.gate;
    expect(gate.passed).toBe(false);
    expect(gate.difference.hi).toBeLessThan(0);
    expect(gate.candidate).toBeLessThan(gate.champion);
    // The fresh window is the candidate's whole test window: it begins after the champion's data ended.
    expect(new Date(gate.validation_from)).toEqual(retrain.validation_from);
    expect(retrain.validation_from.getTime()).toBeGreaterThanOrEqual(first.train_to.getTime());
    expect(gate.rows).toBe(retrain.validation_rows);
    expect((await getModel(deps, first.id)).state).toBe('champion');
    expect((await getModel(deps, inverted.id)).state).toBe('candidate');
  });

  it('when an honest retrain on newer data is judged on the fresh window → not worse, promoted; the old champion is retired', async () => {
    const result = await promoteModel(deps, retrain.id);
    expect(result.previous).toBe(first.id);
    expect(result.gate).toMatchObject({ metric: 'roc_auc_difference', passed: true });
    expect(result.gate?.difference.hi).toBeGreaterThanOrEqual(0);
    expect(result.gate?.positives).toBeGreaterThanOrEqual(10);
    expect(result.model.state).toBe('champion');
    expect((await getModel(deps, first.id)).state).toBe('retired');
    expect((await listModels(deps, { task: 'fraud', state: 'champion' })).map((m) => m.id)).toEqual([retrain.id]);
    await expect(promoteModel(deps, retrain.id)).rejects.toMatchObject({ code: 'already_champion' });
    const promoted = (await listModelEvents(deps, retrain.id)).at(-1);
    expect(promoted).toMatchObject({ event: 'promoted', reason: 'gate_passed', detail: { forced: false } });
  });

  it('when a losing candidate is forced without a reason → 400; with one → champion, and the event says who and why', async () => {
    deps.clock.advance(60_000);
    await expect(promoteModel(deps, inverted.id, { force: { actor: 'cli:asha', reason: '  ' } })).rejects.toMatchObject(
      { code: 'force_reason_required', kind: 'invalid' },
    );
    expect((await getModel(deps, inverted.id)).state).toBe('candidate');
    const result = await promoteModel(deps, inverted.id, {
      force: { actor: 'cli:asha', reason: 'incident 42: champion misfires on UPI collect' },
    });
    expect(result).toMatchObject({ previous: retrain.id, gate: null, model: { state: 'champion' } });
    const promoted = (await listModelEvents(deps, inverted.id)).at(-1);
    expect(promoted).toMatchObject({
      event: 'promoted',
      reason: 'forced',
      detail: {
        previous: retrain.id,
        forced: true,
        forced_by: 'cli:asha',
        force_reason: 'incident 42: champion misfires on UPI collect',
      },
    });
  });

  it('when rolled back → the previous champion serves again in one call; rolled-back models are never restored', async () => {
    deps.clock.advance(60_000);
    const back = await rollbackModel(deps, 'fraud');
    expect(back).toMatchObject({ rolled_back: inverted.id, model: { id: retrain.id, state: 'champion' } });
    expect(await getModel(deps, inverted.id)).toMatchObject({ state: 'retired', rolled_back_at: expect.any(Date) });
    deps.clock.advance(60_000);
    // The champion before the retrain was `first`: a second rollback goes further back, not forward to `inverted`.
    const again = await rollbackModel(deps, 'fraud');
    expect(again).toMatchObject({ rolled_back: retrain.id, model: { id: first.id } });
    await expect(rollbackModel(deps, 'fraud')).rejects.toMatchObject({ code: 'no_previous_champion' });
    expect((await listModelEvents(deps, inverted.id)).map((e) => e.event)).toEqual([
      'registered',
      'promoted',
      'rolled_back',
    ]);
  });

  it('when a canary is started and stopped → one per task, only candidates, share in (0,1], events recorded', async () => {
    await expect(startCanary(deps, { task: 'fraud', version: first.id, share: 0.1 })).rejects.toMatchObject({
      code: 'not_a_candidate',
    });
    await expect(startCanary(deps, { task: 'fraud', version: twin.id, share: 0 })).rejects.toMatchObject({
      code: 'invalid_share',
    });
    const late = (await trainFraud(deps, { seed: 7, to: first.train_to, validationShare: 0.25 })).model;
    expect(late.state).toBe('candidate');
    const canary = await startCanary(deps, { task: 'fraud', version: late.id, share: 0.05, limits: { max_p99_ms: 3 } });
    expect(canary).toMatchObject({
      model_id: late.id,
      share: 0.05,
      limits: { max_error_rate: 0.01, max_p99_ms: 3, min_calls: 50 },
    });
    expect(await findCanary(deps, 'fraud')).toEqual(canary);
    await stopCanary(deps, { task: 'fraud' });
    expect(await findCanary(deps, 'fraud')).toBeNull();
    await expect(stopCanary(deps, { task: 'fraud' })).rejects.toMatchObject({ code: 'canary_not_found' });
    expect((await listModelEvents(deps, late.id)).map((e) => [e.event, e.reason])).toEqual([
      ['registered', null],
      ['canary_started', null],
      ['canary_stopped', 'manual'],
    ]);
  }, 60_000);

  it('when an unknown version is asked for → 404 model_not_found', async () => {
    await expect(getModel(deps, 'fraud-20990101-zzzz')).rejects.toMatchObject({ code: 'model_not_found' });
    await expect(promoteModel(deps, 'fraud-20990101-zzzz')).rejects.toMatchObject({ code: 'model_not_found' });
  });
});
