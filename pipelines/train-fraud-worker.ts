// The worker thread side of `trainFraudModelInWorker` (pipelines/train-fraud.ts): trains on rows packed in
// one matrix per part, reports progress, and answers with the serialized model, metrics and thresholds.
import { parentPort, workerData } from 'node:worker_threads';
import { trainFraudModel } from '../models/fraud/model.js';
import { type PackedPart, unpack } from './training-worker.js';

export interface TrainWorkerInput {
  readonly train: PackedPart;
  readonly validation: PackedPart;
  readonly width: number;
  readonly seed: number;
  readonly featureNames: readonly string[];
  readonly featureSetVersion: string;
}

export type TrainWorkerMessage =
  | { readonly type: 'progress'; readonly done: number; readonly total: number }
  | {
      readonly type: 'done';
      readonly algorithm: string;
      readonly featureSetVersion: string;
      readonly params: Record<string, unknown>;
      readonly artifact: Uint8Array;
      readonly metrics: unknown;
      readonly thresholds: unknown;
    };

if (parentPort !== null) {
  const port = parentPort;
  const input = workerData as TrainWorkerInput;
  const trained = await trainFraudModel(unpack(input.train, input.width), unpack(input.validation, input.width), {
    seed: input.seed,
    featureNames: input.featureNames,
    featureSetVersion: input.featureSetVersion,
    onProgress: (done, total) => port.postMessage({ type: 'progress', done, total } satisfies TrainWorkerMessage),
  });
  const { params, artifact } = trained.model.serialize();
  const done: TrainWorkerMessage = {
    type: 'done',
    algorithm: trained.model.algorithm,
    featureSetVersion: trained.model.featureSetVersion,
    params,
    artifact,
    metrics: trained.metrics,
    thresholds: trained.thresholds,
  };
  port.postMessage(done, [artifact.buffer as ArrayBuffer]);
}
