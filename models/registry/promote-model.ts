import { offlineFraudFeatures } from '../../features/fraud/offline-features.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import type { Log } from '../../platform/log.js';
import type { ObjectStore } from '../../platform/objects.js';
import { prAuc } from '../metrics.js';
import { loadRegisteredFraudModel } from './load-model.js';
import { recordModelEvent } from './record-event.js';
import {
  CHAMPION_OF_TASK,
  DELETE_CANARY_OF_MODEL,
  MAKE_CHAMPION,
  MODEL_BY_ID,
  RETIRE_CHAMPION,
  toModel,
} from './repository.js';
import type { RegisteredModel } from './types.js';

type Deps = { db: Db; objects: ObjectStore; clock: Clock; log: Log };

/** The promotion gate's comparison: both models scored on the candidate's validation attempts. */
export interface PromotionGate {
  readonly metric: 'pr_auc';
  readonly validation_from: Date;
  readonly validation_to: Date;
  readonly rows: number;
  readonly positives: number;
  readonly candidate: number;
  readonly champion: number;
  readonly passed: boolean;
}

/**
 * Re-scores the candidate and the champion on the candidate's validation window (the same attempts, features
 * recomputed point-in-time from the database) and compares PR-AUC. The candidate passes when it does not lose.
 */
export async function comparePromotion(
  deps: Deps,
  candidate: RegisteredModel,
  champion: RegisteredModel,
): Promise<PromotionGate> {
  const [candidateModel, championModel] = await Promise.all([
    loadRegisteredFraudModel(deps, candidate.id),
    loadRegisteredFraudModel(deps, champion.id),
  ]);
  const set = await offlineFraudFeatures(deps, { from: candidate.validation_from, to: candidate.train_to });
  let positives = 0;
  for (const l of set.labels) positives += l;
  if (set.rows.length === 0 || positives === 0) {
    throw conflict(
      'promotion_gate_undecidable',
      `the validation window of ${candidate.id} holds ${set.rows.length} attempts and ${positives} frauds: nothing to compare on; promote with force to skip the gate`,
    );
  }
  const candidateScore = prAuc(set.labels, candidateModel.scoreMany(set.rows));
  const championScore = prAuc(set.labels, championModel.scoreMany(set.rows));
  return {
    metric: 'pr_auc',
    validation_from: candidate.validation_from,
    validation_to: candidate.train_to,
    rows: set.rows.length,
    positives,
    candidate: candidateScore,
    champion: championScore,
    passed: candidateScore >= championScore,
  };
}

/**
 * Makes a candidate (or a retired model) the champion of its task; the old champion is retired. Gated: the
 * model may not lose to the champion on its own validation data (PR-AUC) unless `force`. A model that cannot
 * be loaded by this build is never promoted, forced or not. A canary of the promoted model ends.
 */
export async function promoteModel(
  deps: Deps,
  version: string,
  options: { force?: boolean } = {},
): Promise<{ model: RegisteredModel; previous: string | null; gate: PromotionGate | null }> {
  const row = await deps.db.one(MODEL_BY_ID, { id: version });
  if (row === undefined) throw notFound('model', version);
  const model = toModel(row);
  if (model.state === 'champion') throw conflict('already_champion', `${version} is already the champion`);
  await loadRegisteredFraudModel(deps, version);
  const championRow = await deps.db.one(CHAMPION_OF_TASK, { task: model.task });
  const champion = championRow === undefined ? null : toModel(championRow);
  const force = options.force === true;
  let gate: PromotionGate | null = null;
  if (champion !== null && !force) {
    gate = await comparePromotion(deps, model, champion);
    if (!gate.passed) {
      throw new AppError(
        'conflict',
        'promotion_gate_failed',
        `${version} loses to the champion ${champion.id} on its validation data (PR-AUC ${gate.candidate.toFixed(4)} < ${gate.champion.toFixed(4)} over ${gate.rows} attempts); promote with force to override`,
        { extra: { gate } },
      );
    }
  }
  const promoted = await deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    if (champion !== null && (await tx.run(RETIRE_CHAMPION, { id: champion.id, at: now })) === 0) {
      throw conflict('champion_changed', `the champion changed while ${version} was being promoted; try again`);
    }
    if ((await tx.run(MAKE_CHAMPION, { id: version, at: now, from_state: model.state })) === 0) {
      throw conflict('model_changed', `${version} changed state while being promoted; try again`);
    }
    if ((await tx.run(DELETE_CANARY_OF_MODEL, { task: model.task, model_id: version })) > 0) {
      await recordModelEvent(tx, deps.clock, {
        task: model.task,
        model_id: version,
        event: 'canary_stopped',
        reason: 'promoted',
      });
    }
    await recordModelEvent(tx, deps.clock, {
      task: model.task,
      model_id: version,
      event: 'promoted',
      reason: force ? 'forced' : champion === null ? 'no_champion' : 'gate_passed',
      detail: { previous: champion?.id ?? null, forced: force, gate },
    });
    const after = await tx.one(MODEL_BY_ID, { id: version });
    if (after === undefined) throw new Error(`model ${version} vanished`);
    return toModel(after);
  });
  deps.log.info({ version, previous: champion?.id ?? null, forced: force, gate }, 'model promoted');
  return { model: promoted, previous: champion?.id ?? null, gate };
}
