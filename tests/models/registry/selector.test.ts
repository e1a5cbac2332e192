import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCanary } from '../../../models/registry/canary.js';
import { listModelEvents } from '../../../models/registry/find-models.js';
import {
  customerBucket,
  loadFraudModelSelector,
  type OwnedFraudModelSelector,
} from '../../../models/registry/fraud-model-selector.js';
import { promoteModel } from '../../../models/registry/promote-model.js';
import { rollbackModel } from '../../../models/registry/rollback-model.js';
import { type RegistryDeps, registerSynthetic, registryDeps } from './support.js';

const customers = Array.from({ length: 4000 }, (_, i) => `cus_${i.toString(36).padStart(6, '0')}`);

describe('fraud model selector', () => {
  let deps: RegistryDeps;
  let selector: OwnedFraudModelSelector | null = null;
  beforeEach(async () => {
    deps = await registryDeps();
  });
  afterEach(async () => {
    selector?.close();
    await selector?.idle();
    selector = null;
    await deps.close();
  });

  it('when no model is registered → no primary and no shadow', async () => {
    selector = await loadFraudModelSelector(deps, { refreshMs: 0 });
    expect(selector.pick('cus_1')).toEqual({ primary: null, shadow: null });
  });

  it('when customer ids are hashed → a stable point in [0,1), spread evenly', () => {
    expect(customerBucket('cus_abc')).toBe(customerBucket('cus_abc'));
    const buckets = customers.map(customerBucket);
    expect(Math.min(...buckets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...buckets)).toBeLessThan(1);
    const below = buckets.filter((b) => b < 0.1).length / buckets.length;
    expect(below).toBeGreaterThan(0.08);
    expect(below).toBeLessThan(0.12);
  });

  it('when a canary runs at 10 % → about 10 % of customers get it, always the same ones, and the other model shadows', async () => {
    const champion = await registerSynthetic(deps, { seed: 1 });
    const candidate = await registerSynthetic(deps, { seed: 2 });
    await startCanary(deps, { task: 'fraud', version: candidate.id, share: 0.1 });
    selector = await loadFraudModelSelector(deps, { refreshMs: 0 });
    const picks = customers.map((c) => selector?.pick(c));
    const canaried = picks.filter((p) => p?.primary?.role === 'canary');
    expect(canaried.length / customers.length).toBeGreaterThan(0.08);
    expect(canaried.length / customers.length).toBeLessThan(0.12);
    for (const p of canaried) {
      expect(p?.primary?.version).toBe(candidate.id);
      expect(p?.shadow?.version).toBe(champion.id);
    }
    const rest = picks.filter((p) => p?.primary?.role === 'champion');
    expect(rest.length + canaried.length).toBe(customers.length);
    for (const p of rest) expect(p?.shadow?.version).toBe(candidate.id);
    // Stable: the same customer gets the same role on every call, and the assignment follows the hash.
    for (const c of customers.slice(0, 200)) {
      expect(selector.pick(c).primary?.role).toBe(customerBucket(c) < 0.1 ? 'canary' : 'champion');
    }
  });

  it('when a canary fails more than 1 % of 50+ calls → it stops serving at once and auto_rollback is recorded', async () => {
    await registerSynthetic(deps, { seed: 1 });
    const candidate = await registerSynthetic(deps, { seed: 2 });
    await startCanary(deps, { task: 'fraud', version: candidate.id, share: 1 });
    selector = await loadFraudModelSelector(deps, { refreshMs: 0 });
    expect(selector.pick('cus_x').primary?.role).toBe('canary');
    for (let i = 0; i < 49; i++) selector.observe(candidate.id, { ok: i % 10 !== 0, ms: 0.4 });
    // 5 errors in 49 calls: above 1 %, but below the 50-call minimum, so no verdict yet.
    expect(selector.pick('cus_x').primary?.role).toBe('canary');
    selector.observe(candidate.id, { ok: true, ms: 0.4 });
    expect(selector.pick('cus_x').primary?.role).toBe('champion');
    expect(selector.pick('cus_x').shadow).toBeNull();
    await selector.idle();
    const events = await listModelEvents(deps, candidate.id);
    expect(events.map((e) => e.event)).toEqual(['registered', 'canary_started', 'auto_rollback']);
    expect(events[2]).toMatchObject({ reason: 'error_rate', detail: { calls: 50, error_rate: 0.1, limit: 0.01 } });
    expect(await deps.db.one('SELECT * FROM model_canary')).toBeUndefined();
    // The candidate stays a candidate; a reload keeps the canary off.
    await selector.reload();
    expect(selector.pick('cus_x').primary?.role).toBe('champion');
  });

  it('when the canary p99 latency exceeds 5 ms → rolled back with reason latency; the champion is never judged', async () => {
    const champion = await registerSynthetic(deps, { seed: 1 });
    const candidate = await registerSynthetic(deps, { seed: 2 });
    await startCanary(deps, { task: 'fraud', version: candidate.id, share: 0.5 });
    selector = await loadFraudModelSelector(deps, { refreshMs: 0 });
    for (let i = 0; i < 200; i++) selector.observe(champion.id, { ok: false, ms: 50 });
    expect(selector.status().canary?.version).toBe(candidate.id);
    for (let i = 0; i < 60; i++) selector.observe(candidate.id, { ok: true, ms: i < 55 ? 0.5 : 9 });
    expect(selector.status().canary).toBeNull();
    await selector.idle();
    const last = (await listModelEvents(deps, candidate.id)).at(-1);
    expect(last).toMatchObject({ event: 'auto_rollback', reason: 'latency', detail: { limit: 5 } });
  });

  it('when a healthy canary is observed → it keeps serving', async () => {
    await registerSynthetic(deps, { seed: 1 });
    const candidate = await registerSynthetic(deps, { seed: 2 });
    await startCanary(deps, { task: 'fraud', version: candidate.id, share: 1 });
    selector = await loadFraudModelSelector(deps, { refreshMs: 0 });
    for (let i = 0; i < 1000; i++) selector.observe(candidate.id, { ok: i !== 500, ms: 0.2 + (i % 7) / 10 });
    expect(selector.status().canary).toMatchObject({ version: candidate.id, calls: 1000, errors: 1 });
  });

  it('when a model is promoted → reload serves the new champion; polling picks up changes made elsewhere', async () => {
    const first = await registerSynthetic(deps, { seed: 1 });
    const second = await registerSynthetic(deps, { seed: 2 });
    selector = await loadFraudModelSelector(deps, { refreshMs: 0 });
    const polling = await loadFraudModelSelector(deps, { refreshMs: 20 });
    try {
      expect(selector.pick('cus_1').primary?.version).toBe(first.id);
      await promoteModel(deps, second.id, { force: { actor: 'test', reason: 'selector reload' } });
      expect(selector.pick('cus_1').primary?.version).toBe(first.id);
      await selector.reload();
      expect(selector.pick('cus_1').primary?.version).toBe(second.id);
      await expect.poll(() => polling.pick('cus_1').primary?.version, { timeout: 2000 }).toBe(second.id);
    } finally {
      polling.close();
    }
  });

  it('when one process promotes, canaries, rolls back a canary and the champion → another on the default refresh serves each within 2 s', async () => {
    const first = await registerSynthetic(deps, { seed: 1 });
    const second = await registerSynthetic(deps, { seed: 2 });
    const third = await registerSynthetic(deps, { seed: 3 });
    // Two selectors on one database, as two kosh processes have: `selector` changes things, `other` only polls.
    selector = await loadFraudModelSelector(deps);
    const other = await loadFraudModelSelector(deps);
    const within2s = (what: () => unknown, expected: unknown) =>
      expect.poll(what, { timeout: 2_000, interval: 10 }).toEqual(expected);
    try {
      expect(other.pick('cus_1').primary?.version).toBe(first.id);
      await promoteModel(deps, second.id, { force: { actor: 'test', reason: 'across processes' } });
      await within2s(() => other.pick('cus_1').primary?.version, second.id);
      await startCanary(deps, { task: 'fraud', version: third.id, share: 1, limits: { min_calls: 10 } });
      await within2s(() => other.status().canary?.version, third.id);
      // The canary fails on the first process: its guard rolls it back, and the other stops serving it too.
      await selector.reload();
      for (let i = 0; i < 10; i++) selector.observe(third.id, { ok: false, ms: 1 });
      await selector.idle();
      await within2s(() => other.status().canary, null);
      await rollbackModel(deps, 'fraud', { reason: 'across processes' });
      await within2s(() => other.pick('cus_1').primary?.version, first.id);
    } finally {
      other.close();
    }
  });

  it('when the champion cannot be loaded at start → the selector serves no model instead of failing', async () => {
    const champion = await registerSynthetic(deps, { seed: 1 });
    await deps.objects.delete('models', `fraud/${champion.id}/artifact.bin`);
    selector = await loadFraudModelSelector(deps, { refreshMs: 0 });
    expect(selector.pick('cus_1')).toEqual({ primary: null, shadow: null });
  });
});
