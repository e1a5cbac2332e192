// Training in a worker thread, shared by the fraud and churn trainers: the rows travel as one transferred
// matrix per part (no copy, no structured clone of thousands of arrays); the worker runs its module as the rest of
// kosh runs, from the sources through tsx or compiled from dist/ (platform/module-worker.ts).
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../platform/module-worker.js';

/** Rows of one part (training or validation) as the trainers take them. */
export interface RowsPart {
  readonly rows: readonly Float64Array[];
  readonly labels: Uint8Array;
}

/** The same rows packed row-major into one matrix, so its buffer can be transferred to the worker. */
export interface PackedPart {
  readonly matrix: Float64Array;
  readonly labels: Uint8Array;
}

export function pack(part: RowsPart, width: number): PackedPart {
  const matrix = new Float64Array(part.rows.length * width);
  part.rows.forEach((row, i) => {
    matrix.set(row, i * width);
  });
  return { matrix, labels: part.labels.slice() };
}

/** The worker side: rows as views into the transferred matrix. */
export function unpack(part: PackedPart, width: number): { rows: Float64Array[]; labels: Uint8Array } {
  return {
    rows: Array.from({ length: part.labels.length }, (_, i) => part.matrix.subarray(i * width, (i + 1) * width)),
    labels: part.labels,
  };
}

/**
 * Runs the TypeScript module `entry` in a worker with `data` until it answers: `progress` messages go to
 * `onProgress`, the first `done` message is turned into the result by `decode` (a throw rejects), and a worker
 * that errs or exits without answering rejects, naming `what`.
 */
export function runTrainingWorker<P extends { type: 'progress' }, D extends { type: 'done' }, R>(
  what: string,
  entry: URL,
  data: { train: PackedPart; validation: PackedPart },
  onProgress: (message: P) => void,
  decode: (message: D) => R,
): Promise<R> {
  const worker = startTrainingWorker(entry, data);
  return new Promise((resolve, reject) => {
    let settled = false;
    worker.on('message', (message: P | D) => {
      if (message.type === 'progress') {
        onProgress(message as P);
        return;
      }
      settled = true;
      try {
        resolve(decode(message as D));
      } catch (err) {
        reject(err);
      }
      void worker.terminate();
    });
    worker.on('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the ${what} worker exited with code ${code} before answering`));
    });
  });
}

/** Starts the module `entry` in a worker with `data`, transferring both parts' buffers. */
function startTrainingWorker(entry: URL, data: { train: PackedPart; validation: PackedPart }): Worker {
  return startModuleWorker(entry, {
    workerData: data,
    transferList: [data.train.matrix.buffer, data.validation.matrix.buffer] as ArrayBuffer[],
  });
}
