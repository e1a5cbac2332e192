import type { Db } from '../platform/db.js';
import { FRAUD_FEATURE_SET_VERSION, FRAUD_FEATURES } from './fraud/feature-set.js';
import { offlineFraudFeatures } from './fraud/offline-features.js';

/** A training set as data scientists export it: one row per entity and instant, named feature columns, a label. */
export interface FeatureTable {
  readonly set: string;
  readonly version: string;
  readonly features: readonly string[];
  readonly ids: readonly string[];
  readonly at: readonly Date[];
  /** 1 = positive class; null when the set has no label. */
  readonly labels: Uint8Array | null;
  /** One vector per row, in `features` order. */
  readonly rows: readonly Float64Array[];
}

export interface FeatureWindow {
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
}

/** A named, versioned feature set with an offline (point-in-time correct) builder. A new set is one entry. */
export interface FeatureSet {
  readonly name: string;
  readonly description: string;
  load(deps: { db: Db }, window: FeatureWindow): Promise<FeatureTable>;
}

export const FEATURE_SETS: Readonly<Record<string, FeatureSet>> = {
  fraud: {
    name: 'fraud',
    description: 'Every payment attempt with its 45 fraud features as the scorer saw them, labelled fraud = 1',
    load: async (deps, window) => {
      const t = await offlineFraudFeatures(deps, {
        ...(window.from === undefined ? {} : { from: window.from }),
        ...(window.to === undefined ? {} : { to: window.to }),
      });
      return {
        set: 'fraud',
        version: FRAUD_FEATURE_SET_VERSION,
        features: FRAUD_FEATURES,
        ids: t.ids,
        at: t.at,
        labels: t.labels,
        rows: t.rows,
      };
    },
  },
};
