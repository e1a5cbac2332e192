export type ModelTask = 'fraud' | 'churn';
export type ModelState = 'candidate' | 'champion' | 'retired';
export type ModelEventKind =
  | 'registered'
  | 'promoted'
  | 'rolled_back'
  | 'canary_started'
  | 'canary_stopped'
  | 'auto_rollback';

/** A model version as the registry indexes it; its manifest and artifact live in the object store. */
export interface RegisteredModel {
  readonly object: 'model';
  /** The version, e.g. `fraud-20261128-k3x9`. */
  readonly id: string;
  readonly task: ModelTask;
  readonly state: ModelState;
  readonly algorithm: string;
  readonly params: Record<string, unknown>;
  readonly feature_set_version: string;
  /** The training window asked for: attempts at or after `train_from` (null = from the start) and before `train_to`. */
  readonly train_from: Date | null;
  readonly train_to: Date;
  /** Attempts at or after this instant formed the validation part (the newer one). */
  readonly validation_from: Date;
  readonly train_rows: number;
  readonly validation_rows: number;
  readonly data_hash: string;
  /** Scalar validation metrics (rocAuc, prAuc, …) and feature importance; the curves are in the manifest. */
  readonly metrics: Record<string, unknown>;
  readonly thresholds: Record<string, unknown>;
  readonly seed: number;
  readonly artifact_key: string;
  readonly created_at: Date;
  readonly promoted_at: Date | null;
  readonly retired_at: Date | null;
  readonly rolled_back_at: Date | null;
}

export interface ModelEvent {
  readonly object: 'model_event';
  readonly id: string;
  readonly task: ModelTask;
  readonly model_id: string;
  readonly event: ModelEventKind;
  readonly reason: string | null;
  readonly detail: Record<string, unknown> | null;
  readonly at: Date;
}

/** Limits past which a canary is rolled back automatically, measured over its last `window` calls. */
export interface CanaryLimits {
  /** Share of failed calls, e.g. 0.01. */
  readonly max_error_rate: number;
  /** 99th percentile of scoring milliseconds. */
  readonly max_p99_ms: number;
  /** No verdict before this many calls. */
  readonly min_calls: number;
}

export const DEFAULT_CANARY_LIMITS: CanaryLimits = { max_error_rate: 0.01, max_p99_ms: 5, min_calls: 50 };

export interface Canary {
  readonly object: 'model_canary';
  readonly task: ModelTask;
  readonly model_id: string;
  readonly share: number;
  readonly started_at: Date;
  readonly limits: CanaryLimits;
}

/** manifest.json beside each artifact: everything needed to load and audit the model without the database. */
export interface ModelManifest {
  readonly kind: ModelTask;
  readonly version: string;
  readonly algorithm: string;
  readonly feature_set_version: string;
  readonly feature_names: readonly string[];
  readonly params: Record<string, unknown>;
  readonly thresholds: Record<string, unknown>;
  readonly metrics: Record<string, unknown>;
  readonly training: {
    readonly from: string | null;
    readonly to: string;
    readonly validation_from: string;
    readonly train_rows: number;
    readonly validation_rows: number;
    readonly data_hash: string;
    readonly seed: number;
  };
  readonly artifact: { readonly key: string; readonly sha256: string; readonly bytes: number };
  readonly report_key: string | null;
  readonly created_at: string;
}

/** Object keys of a model version in the `models` bucket. */
export const modelKeys = (task: ModelTask, version: string) => ({
  dir: `${task}/${version}/`,
  manifest: `${task}/${version}/manifest.json`,
  artifact: `${task}/${version}/artifact.bin`,
  report: `${task}/${version}/report.html`,
});
