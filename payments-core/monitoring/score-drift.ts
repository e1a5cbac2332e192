/** A model's reference score distribution: interior bin edges (ascending) and the reference share in each bin. */
export interface ScoreBins {
  readonly edges: readonly number[];
  readonly shares: readonly number[];
}

/** Shares below this count as this, so an empty bin does not make the index infinite. */
const FLOOR = 1e-4;

function binOf(edges: readonly number[], score: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (score >= (edges[mid] as number)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Population stability index of `live` scores against the reference bins: Σ (live − ref) · ln(live / ref) over the
 * bins, shares floored at 1e-4. 0 for the same distribution; > 0.25 is conventionally a different population.
 */
export function populationStabilityIndex(reference: ScoreBins, live: readonly number[]): number {
  if (reference.shares.length !== reference.edges.length + 1) throw new RangeError('shares must be edges + 1');
  if (live.length === 0) return Number.NaN;
  const counts = new Array<number>(reference.shares.length).fill(0);
  for (const s of live) {
    const b = binOf(reference.edges, s);
    counts[b] = (counts[b] as number) + 1;
  }
  let psi = 0;
  reference.shares.forEach((r, k) => {
    const ref = Math.max(FLOOR, r);
    const cur = Math.max(FLOOR, (counts[k] as number) / live.length);
    psi += (cur - ref) * Math.log(cur / ref);
  });
  return psi;
}

/** The reference bins kept in a model's metrics JSON, or null when it has none (a model trained before they were). */
export function scoreBinsOf(metrics: unknown): ScoreBins | null {
  const m = (typeof metrics === 'string' ? JSON.parse(metrics) : metrics) as Record<string, unknown> | null;
  const ref = m?.['scoreReference'] as { edges?: unknown; shares?: unknown } | undefined;
  if (ref === undefined || !Array.isArray(ref.edges) || !Array.isArray(ref.shares)) return null;
  if (ref.shares.length !== ref.edges.length + 1) return null;
  return { edges: ref.edges.map(Number), shares: ref.shares.map(Number) };
}
