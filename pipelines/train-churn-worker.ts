// The worker-thread side of `trainChurnClassifierInWorker` (pipelines/train-churn.ts): trains the candidates on rows
// packed in one matrix per part, reports progress, and answers with the classifier's artifact and metrics.
import { parentPort, workerData } from 'node:worker_threads';
import { type ChurnAlgorithm, trainChurnClassifier } from '../models/churn/classifier.js';
import { type PackedPart, unpack } from './training-worker.js';

export interface ChurnWorkerInput {
  readonly train: PackedPart;
  readonly validation: PackedPart;
  readonly width: number;
  readonly seed: number;
  readonly featureNames: readonly string[];
  readonly candidates?: readonly ChurnAlgorithm[];
}

export type ChurnWorkerMessage =
  | { readonly type: 'progress'; readonly done: number; readonly total: number; readonly algorithm: string }
  | { readonly type: 'done'; readonly artifact: string; readonly metrics: unknown };

if (parentPort !== null) {
  const port = parentPort;
  const input = workerData as ChurnWorkerInput;
  const { classifier, metrics } = await trainChurnClassifier(
    unpack(input.train, input.width),
    unpack(input.validation, input.width),
    {
      seed: input.seed,
      featureNames: input.featureNames,
      candidates: input.candidates,
      onProgress: (done, total, algorithm) =>
        port.postMessage({ type: 'progress', done, total, algorithm } satisfies ChurnWorkerMessage),
    },
  );
  port.postMessage({
    type: 'done',
    artifact: JSON.stringify(classifier.serialize()),
    metrics,
  } satisfies ChurnWorkerMessage);
}
