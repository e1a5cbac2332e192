import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAUD_FEATURE_SET_VERSION, FRAUD_FEATURES } from '../../../features/fraud/feature-set.js';
import { trainFraudModel } from '../../../models/fraud/model.js';
import { loadRegisteredFraudModel } from '../../../models/registry/load-model.js';
import { registerFraudModel } from '../../../models/registry/register-model.js';
import { modelKeys, type RegisteredModel } from '../../../models/registry/types.js';
import { NOW, type RegistryDeps, registryDeps, syntheticSet } from './support.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

describe('a registered model in a fresh process', () => {
  let deps: RegistryDeps;
  let registered: RegisteredModel;
  let trainedScores: Float64Array;
  beforeAll(async () => {
    deps = await registryDeps();
    const trained = await trainFraudModel(syntheticSet(1500, 11), syntheticSet(600, 12), {
      seed: 5,
      featureNames: FRAUD_FEATURES,
      featureSetVersion: FRAUD_FEATURE_SET_VERSION,
    });
    trainedScores = trained.model.scoreMany(syntheticSet(3000, 99).rows);
    registered = await registerFraudModel(deps, {
      ...trained,
      seed: 5,
      trainFrom: null,
      trainTo: NOW,
      validationFrom: NOW,
      dataHash: 'synthetic',
    });
  });
  afterAll(async () => deps.close());

  it('when loaded from the object store by another node process → it reproduces the trained scores bit for bit', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', path.join(here, 'score-in-child.ts'), deps.objectsDir, registered.id, '3000', '99'],
      { cwd: path.resolve(here, '../../..'), maxBuffer: 64 * 1024 * 1024 },
    );
    const child = new Float64Array(new Uint8Array(Buffer.from(stdout, 'hex')).buffer);
    expect(child.length).toBe(3000);
    expect(Buffer.from(child.buffer).equals(Buffer.from(trainedScores.buffer))).toBe(true);
    // Not a degenerate model: its scores vary.
    expect(new Set(child).size).toBeGreaterThan(10);
  }, 60_000);

  it('when saved → manifest.json names the artifact with its checksum, the feature set and the training facts', () => {
    const keys = modelKeys('fraud', registered.id);
    const manifest = JSON.parse(readFileSync(path.join(deps.objectsDir, 'models', keys.manifest), 'utf8'));
    expect(manifest).toMatchObject({
      kind: 'fraud',
      version: registered.id,
      feature_set_version: FRAUD_FEATURE_SET_VERSION,
      feature_names: [...FRAUD_FEATURES],
      artifact: { key: keys.artifact, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      training: { seed: 5, train_rows: 1500, validation_rows: 600, data_hash: 'synthetic' },
    });
    expect(registered.id).toMatch(/^fraud-20261128-[0-9a-z]{4}$/);
  });

  it('when the manifest names another feature-set version → loading is refused with model_incompatible', async () => {
    const keys = modelKeys('fraud', registered.id);
    const file = path.join(deps.objectsDir, 'models', keys.manifest);
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    await deps.objects.put('models', keys.manifest, JSON.stringify({ ...manifest, feature_set_version: 'fraud-v0' }));
    await expect(loadRegisteredFraudModel(deps, registered.id)).rejects.toMatchObject({
      code: 'model_incompatible',
      message: expect.stringContaining('fraud-v0'),
    });
    await deps.objects.put('models', keys.manifest, JSON.stringify({ ...manifest, kind: 'churn' }));
    await expect(loadRegisteredFraudModel(deps, registered.id)).rejects.toMatchObject({ code: 'model_incompatible' });
    // The model's own loader is the last word: params of another kind are refused by M's loadFraudModel.
    await deps.objects.put(
      'models',
      keys.manifest,
      JSON.stringify({ ...manifest, params: { ...manifest.params, kind: 'churn' } }),
    );
    await expect(loadRegisteredFraudModel(deps, registered.id)).rejects.toMatchObject({
      code: 'model_incompatible',
      message: expect.stringContaining('not a fraud model'),
    });
    // A damaged artifact is refused by its checksum.
    await deps.objects.put('models', keys.manifest, JSON.stringify(manifest));
    const artifact = (await deps.objects.get('models', keys.artifact)) as Uint8Array;
    const damaged = artifact.slice();
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] ?? 0) ^ 1;
    await deps.objects.put('models', keys.artifact, damaged);
    await expect(loadRegisteredFraudModel(deps, registered.id)).rejects.toMatchObject({
      code: 'model_incompatible',
      message: expect.stringContaining('checksum'),
    });
    await deps.objects.put('models', keys.artifact, artifact);
    await expect(loadRegisteredFraudModel(deps, registered.id)).resolves.toBeDefined();
  });
});
