import { seededRandom, shuffle } from '../fraud/forest-data.js';

/**
 * A one-hidden-layer perceptron for churn, trained in plain JS: ReLU hidden units, a sigmoid output, binary
 * cross-entropy with an L2 penalty on the input weights, Adam on mini-batches of rows shuffled once by the seed.
 * It replaced TensorFlow.js (81 MB of every install for this one small network): the same architecture and
 * optimiser, deterministic for a seed, and much faster on networks this size (no tensor allocation per step).
 */
export interface MlpParams {
  readonly hidden: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Weight of Σ w² over the input weights, added to the mean loss of every batch. */
  readonly l2: number;
}

export const MLP_PARAMS: MlpParams = { hidden: 16, epochs: 25, batchSize: 64, learningRate: 0.005, l2: 1e-3 };

/** Everything the forward pass needs (the stored artifact's `model`). */
export interface MlpJson {
  readonly hidden: number;
  readonly w1: number[]; // inputs × hidden, row-major
  readonly b1: number[];
  readonly w2: number[]; // hidden
  readonly b2: number;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;

/** Adam's state for one parameter vector; `step` applies a gradient at time step t (1-based). */
class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  constructor(
    private readonly w: Float64Array,
    private readonly rate: number,
  ) {
    this.m = new Float64Array(w.length);
    this.v = new Float64Array(w.length);
  }

  step(g: Float64Array, t: number): void {
    const rate = (this.rate * Math.sqrt(1 - BETA2 ** t)) / (1 - BETA1 ** t);
    for (let i = 0; i < g.length; i++) {
      const gi = g[i] as number;
      const m = BETA1 * (this.m[i] as number) + (1 - BETA1) * gi;
      const v = BETA2 * (this.v[i] as number) + (1 - BETA2) * gi * gi;
      this.m[i] = m;
      this.v[i] = v;
      this.w[i] = (this.w[i] as number) - (rate * m) / (Math.sqrt(v) + EPSILON);
    }
  }
}

/** Glorot (Xavier) uniform: U(−l, l) with l = √(6 / (fan in + fan out)). */
function glorot(random: () => number, fanIn: number, fanOut: number): Float64Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return Float64Array.from({ length: fanIn * fanOut }, () => (2 * random() - 1) * limit);
}

/** Trains the network on standardized rows; the same rows, labels and seed give the same weights. */
export function trainMlp(
  rows: readonly Float64Array[],
  labels: Uint8Array,
  seed: number,
  params: MlpParams = MLP_PARAMS,
): MlpJson {
  const d = rows[0]?.length ?? 0;
  const h = params.hidden;
  const random = seededRandom(seed);
  const w1 = glorot(random, d, h);
  const b1 = new Float64Array(h);
  const w2 = glorot(random, h, 1);
  const b2 = new Float64Array(1);
  const optimisers = [w1, b1, w2, b2].map((w) => new Adam(w, params.learningRate));
  const g = [w1, b1, w2, b2].map((w) => new Float64Array(w.length));
  const [gw1, gb1, gw2, gb2] = g as [Float64Array, Float64Array, Float64Array, Float64Array];
  const order = shuffle(
    seededRandom(seed + 1),
    rows.map((_, i) => i),
  );
  const hidden = new Float64Array(h);
  const back = new Float64Array(h);
  let t = 0;
  for (let epoch = 0; epoch < params.epochs; epoch++) {
    for (let from = 0; from < order.length; from += params.batchSize) {
      const to = Math.min(order.length, from + params.batchSize);
      const n = to - from;
      for (const gi of g) gi.fill(0);
      for (let r = from; r < to; r++) {
        const i = order[r] as number;
        const z = rows[i] as Float64Array;
        hidden.set(b1);
        for (let j = 0; j < d; j++) {
          const zj = z[j] as number;
          if (zj === 0) continue;
          for (let k = 0; k < h; k++) hidden[k] = (hidden[k] as number) + zj * (w1[j * h + k] as number);
        }
        let out = b2[0] as number;
        for (let k = 0; k < h; k++) {
          if ((hidden[k] as number) < 0) hidden[k] = 0;
          out += (hidden[k] as number) * (w2[k] as number);
        }
        const p = 1 / (1 + Math.exp(-out));
        // d(mean cross-entropy)/d(output logit) for this row.
        const dOut = (p - (labels[i] as number)) / n;
        gb2[0] = (gb2[0] as number) + dOut;
        for (let k = 0; k < h; k++) {
          gw2[k] = (gw2[k] as number) + dOut * (hidden[k] as number);
          back[k] = (hidden[k] as number) > 0 ? dOut * (w2[k] as number) : 0;
          gb1[k] = (gb1[k] as number) + (back[k] as number);
        }
        for (let j = 0; j < d; j++) {
          const zj = z[j] as number;
          if (zj === 0) continue;
          for (let k = 0; k < h; k++) gw1[j * h + k] = (gw1[j * h + k] as number) + zj * (back[k] as number);
        }
      }
      for (let q = 0; q < w1.length; q++) gw1[q] = (gw1[q] as number) + 2 * params.l2 * (w1[q] as number);
      t++;
      for (const [q, o] of optimisers.entries()) o.step(g[q] as Float64Array, t);
    }
  }
  return { hidden: h, w1: Array.from(w1), b1: Array.from(b1), w2: Array.from(w2), b2: b2[0] as number };
}
