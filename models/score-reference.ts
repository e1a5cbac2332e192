/**
 * The distribution of a model's scores on its test window, kept with the model (metrics.scoreReference) so live
 * scores can be compared against it (population stability index, payments-core/monitoring). Bins are the reference's
 * own deciles, so each holds about a tenth of it however skewed the scores are.
 */
export interface ScoreReference {
  /** Interior bin edges, ascending and distinct: bin k holds scores in [edges[k-1], edges[k]). */
  readonly edges: number[];
  /** Share of the reference scores in each bin (edges.length + 1 of them, summing to 1). */
  readonly shares: number[];
  readonly rows: number;
}

/** The bin of `score` given interior `edges` (ascending). */
export function binOf(edges: readonly number[], score: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (score >= (edges[mid] as number)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Decile bins of `scores` and the share of them in each. */
export function scoreReference(scores: ArrayLike<number>, bins = 10): ScoreReference {
  const sorted = Float64Array.from(scores).sort();
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const e = sorted[Math.floor((k * sorted.length) / bins)];
    if (e !== undefined && (edges.length === 0 || e > (edges[edges.length - 1] as number))) edges.push(e);
  }
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const s of sorted) counts[binOf(edges, s)] = (counts[binOf(edges, s)] as number) + 1;
  return { edges, shares: counts.map((c) => (sorted.length === 0 ? 0 : c / sorted.length)), rows: sorted.length };
}
