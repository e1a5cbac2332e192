import { churnSnapshots } from '../../features/churn/offline-features.js';
import { offlineFraudFeatures } from '../../features/fraud/offline-features.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { AppError, conflict, invalid, notFound } from '../../platform/errors.js';
import type { Log } from '../../platform/log.js';
import type { ObjectStore } from '../../platform/objects.js';
import { loadRegisteredFraudModel } from './load-model.js';
import { freshGateWindow, type GateWindow, isRefusal, judgePromotion, type PromotionGate } from './promotion-gate.js';
import { recordModelEvent } from './record-event.js';
import { loadRegisteredChurnModel } from './register-churn-model.js';
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

export type { PromotionGate } from './promotion-gate.js';

/** Who forced a promotion past the gate, and why: kept in the `promoted` event. */
export interface ForcedBy {
  /** The API key (`api_key:<id>`) or the CLI user (`cli:<user>`). */
  readonly actor: string;
  readonly reason: string;
}

/** Both models' scores on the same fresh rows, by task: fraud attempts or churn customer-snapshots. */
async function scoreFreshWindow(
  deps: Deps,
  candidate: RegisteredModel,
  champion: RegisteredModel,
  window: GateWindow,
): Promise<{ labels: Uint8Array; challenger: Float64Array; champion: Float64Array }> {
  if (window.from >= window.to)
    return { labels: new Uint8Array(0), challenger: new Float64Array(0), champion: new Float64Array(0) };
  if (candidate.task === 'fraud') {
    const [candidateModel, championModel] = await Promise.all([
      loadRegisteredFraudModel(deps, candidate.id),
      loadRegisteredFraudModel(deps, champion.id),
    ]);
    const set = await offlineFraudFeatures(deps, { from: window.from, to: window.to });
    return {
      labels: Uint8Array.from(set.labels),
      challenger: Float64Array.from(candidateModel.scoreMany(set.rows)),
      champion: Float64Array.from(championModel.scoreMany(set.rows)),
    };
  }
  // Churn: the challenger's test snapshot, if it begins after the champion's data (labels included) ended.
  const [candidateModel, championModel] = await Promise.all([
    loadRegisteredChurnModel(deps, candidate.id),
    loadRegisteredChurnModel(deps, champion.id),
  ]);
  if (candidate.validation_from < window.from)
    return { labels: new Uint8Array(0), challenger: new Float64Array(0), champion: new Float64Array(0) };
  const set = await churnSnapshots(deps.db, { first: candidate.validation_from, last: candidate.validation_from });
  return {
    labels: set.labels,
    challenger: Float64Array.from(set.rows, (r) => candidateModel.probability(r)),
    champion: Float64Array.from(set.rows, (r) => championModel.probability(r)),
  };
}

/**
 * The fair gate (models/registry/promotion-gate.ts): candidate and champion scored on the same fresh window, the
 * candidate's test window after the champion's data ended. 409 `promotion_gate_undecidable` when that window holds
 * too few positives to judge.
 */
export async function comparePromotion(
  deps: Deps,
  candidate: RegisteredModel,
  champion: RegisteredModel,
): Promise<PromotionGate> {
  const window = freshGateWindow(candidate, champion);
  const fresh = await scoreFreshWindow(deps, candidate, champion, window);
  const gate = judgePromotion({ ...fresh, window });
  if (isRefusal(gate))
    throw new AppError(
      'conflict',
      'promotion_gate_undecidable',
      `${candidate.id} cannot be judged against the champion ${champion.id}: ${gate.reason}; train on newer data, or promote with force and a reason`,
      { extra: { gate } },
    );
  return gate;
}

/**
 * Makes a candidate (or a retired model) of either task the champion; the old champion is retired. Gated
 * (`comparePromotion`) unless forced, and a forced promotion records who forced it and why. A model that cannot
 * be loaded by this build is never promoted, forced or not. A canary of the promoted model ends.
 */
export async function promoteModel(
  deps: Deps,
  version: string,
  options: { force?: ForcedBy } = {},
): Promise<{ model: RegisteredModel; previous: string | null; gate: PromotionGate | null }> {
  const row = await deps.db.one(MODEL_BY_ID, { id: version });
  if (row === undefined) throw notFound('model', version);
  const model = toModel(row);
  if (model.state === 'champion') throw conflict('already_champion', `${version} is already the champion`);
  if (model.task === 'fraud') await loadRegisteredFraudModel(deps, version);
  else await loadRegisteredChurnModel(deps, version);
  const forced = options.force;
  if (forced !== undefined && (forced.reason.trim() === '' || forced.actor.trim() === ''))
    throw invalid('force_reason_required', 'a forced promotion needs who forces it and why', [
      { field: '/reason', code: 'force_reason_required', message: 'say why the gate is overridden' },
    ]);
  const championRow = await deps.db.one(CHAMPION_OF_TASK, { task: model.task });
  const champion = championRow === undefined ? null : toModel(championRow);
  const force = forced !== undefined;
  let gate: PromotionGate | null = null;
  if (champion !== null && !force) {
    gate = await comparePromotion(deps, model, champion);
    if (!gate.passed) {
      throw new AppError(
        'conflict',
        'promotion_gate_failed',
        `${version} is worse than the champion ${champion.id} on the same fresh window: ROC-AUC ${gate.candidate.toFixed(4)} vs ${gate.champion.toFixed(4)} over ${gate.rows} rows (${gate.positives} positives), difference ${gate.difference.value.toFixed(4)} [${gate.difference.lo.toFixed(4)}, ${gate.difference.hi.toFixed(4)}]; promote with force and a reason to override`,
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
      detail: {
        previous: champion?.id ?? null,
        forced: force,
        ...(forced === undefined ? {} : { forced_by: forced.actor, force_reason: forced.reason }),
        gate,
      },
    });
    const after = await tx.one(MODEL_BY_ID, { id: version });
    if (after === undefined) throw new Error(`model ${version} vanished`);
    return toModel(after);
  });
  deps.log.info(
    { version, previous: champion?.id ?? null, forced: force, forced_by: forced?.actor, gate },
    'model promoted',
  );
  return { model: promoted, previous: champion?.id ?? null, gate };
}
