/** Seeded randomness and feature binning shared by the tree learners. */

import { seededRandom } from '../../platform/random.js';

export { seededRandom };

/** An integer in [0, n). */
export const randomInt = (random: () => number, n: number): number => Math.floor(random() * n);

/** Fisher–Yates shuffle in place. */
export function shuffle<T extends { length: number; [i: number]: unknown }>(random: () => number, a: T): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/**
 * Rows quantized per feature to at most 256 bins, row-major (`bins[r * features + f]`).
 * Bin b of feature f holds values x with edges[f][b-1] < x <= edges[f][b]; the last bin holds x above every
 * edge. NaN goes to bin 0, so it goes left of every split, exactly as `x > threshold` is false at predict time.
 */
export interface BinnedRows {
  readonly rows: number;
  readonly features: number;
  readonly bins: Uint8Array;
  /** Per feature, the ascending upper edges; a split after bin b has threshold edges[f][b]. */
  readonly edges: Float64Array[];
}

/** Quantile bin edges from at most `sampleSize` rows (chosen deterministically), then every row binned. */
export function binRows(
  rows: readonly Float64Array[],
  options: { maxBins: number; sampleSize?: number; seed: number },
): BinnedRows {
  const n = rows.length;
  const features = rows[0]?.length ?? 0;
  const maxBins = Math.min(256, Math.max(2, options.maxBins));
  const sampleSize = Math.min(n, options.sampleSize ?? 200_000);
  let sample: Uint32Array;
  if (sampleSize === n) sample = Uint32Array.from({ length: n }, (_, i) => i);
  else
    sample = shuffle(
      seededRandom(options.seed),
      Uint32Array.from({ length: n }, (_, i) => i),
    ).slice(0, sampleSize);
  const edges: Float64Array[] = [];
  const values = new Float64Array(sampleSize);
  for (let f = 0; f < features; f++) {
    let m = 0;
    for (let k = 0; k < sampleSize; k++) {
      const v = (rows[sample[k] as number] as Float64Array)[f] as number;
      if (!Number.isNaN(v)) values[m++] = v;
    }
    const sorted = values.subarray(0, m).slice().sort();
    const distinct: number[] = [];
    for (let k = 0; k < m; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) distinct.push(sorted[k] as number);
    const e: number[] = [];
    if (distinct.length <= maxBins) {
      for (let k = 0; k < distinct.length - 1; k++) e.push(distinct[k] as number);
    } else {
      for (let b = 1; b < maxBins; b++) {
        const v = sorted[Math.min(m - 1, Math.floor((b * m) / maxBins))] as number;
        if (e.length === 0 || v > (e[e.length - 1] as number)) e.push(v);
      }
      // The top edge must leave values above it, or the last bin is empty and the edge is useless.
      while (e.length > 0 && (e[e.length - 1] as number) >= (distinct[distinct.length - 1] as number)) e.pop();
    }
    edges.push(Float64Array.from(e));
  }
  const bins = new Uint8Array(n * features);
  for (let r = 0; r < n; r++) {
    const row = rows[r] as Float64Array;
    const base = r * features;
    for (let f = 0; f < features; f++) bins[base + f] = binOf(edges[f] as Float64Array, row[f] as number);
  }
  return { rows: n, features, bins, edges };
}

/** The bin of x: the first b with x <= edges[b], or edges.length; NaN → 0. */
export function binOf(edges: Float64Array, x: number): number {
  if (Number.isNaN(x)) return 0;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x <= (edges[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
