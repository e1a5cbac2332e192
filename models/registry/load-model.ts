import { createHash } from 'node:crypto';
import { FRAUD_FEATURE_SET_VERSION } from '../../features/fraud/feature-set.js';
import { conflict, notFound } from '../../platform/errors.js';
import type { ObjectStore } from '../../platform/objects.js';
import { type FraudModel, loadFraudModel } from '../fraud/model.js';
import { type ModelManifest, modelKeys } from './types.js';

/** Reads a version's manifest from the object store. */
export async function readManifest(deps: { objects: ObjectStore }, version: string): Promise<ModelManifest> {
  const prefix = version.split('-')[0];
  const task = prefix === 'fraud' || prefix === 'churn' ? prefix : null;
  const bytes = task === null ? null : await deps.objects.get('models', modelKeys(task, version).manifest);
  if (bytes === null) throw notFound('model_manifest', version);
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as ModelManifest;
}

/**
 * Loads a fraud model version from the object store, exactly as it was trained. Refuses (409
 * `model_incompatible`) a manifest of another kind, a feature set other than the one this build computes,
 * an artifact whose checksum differs from the manifest, or anything the model's own loader rejects.
 */
export async function loadRegisteredFraudModel(deps: { objects: ObjectStore }, version: string): Promise<FraudModel> {
  const manifest = await readManifest(deps, version);
  const refuse = (why: string) =>
    conflict('model_incompatible', `model ${version} cannot be loaded: ${why}`, { version, reason: why });
  if (manifest.kind !== 'fraud') throw refuse(`it is a ${String(manifest.kind)} model, not a fraud model`);
  if (manifest.feature_set_version !== FRAUD_FEATURE_SET_VERSION) {
    throw refuse(
      `it was trained on feature set ${manifest.feature_set_version}, this build computes ${FRAUD_FEATURE_SET_VERSION}`,
    );
  }
  const artifact = await deps.objects.get('models', manifest.artifact.key);
  if (artifact === null) throw refuse(`its artifact ${manifest.artifact.key} is missing`);
  const sha256 = createHash('sha256').update(artifact).digest('hex');
  if (sha256 !== manifest.artifact.sha256) throw refuse('its artifact does not match the checksum in its manifest');
  try {
    return loadFraudModel(
      { kind: 'fraud', featureSetVersion: FRAUD_FEATURE_SET_VERSION },
      {
        algorithm: manifest.algorithm,
        featureSetVersion: manifest.feature_set_version,
        params: manifest.params,
        artifact,
      },
    );
  } catch (err) {
    throw refuse(err instanceof Error ? err.message : String(err));
  }
}
