/** Minimizes f by the Nelder–Mead simplex (standard coefficients), restarted at the optimum until it stays put. */
export function nelderMead(
  f: (x: Float64Array) => number,
  start: ArrayLike<number>,
  options: { step?: number; tolerance?: number; maxEvaluations?: number; restarts?: number } = {},
): { x: Float64Array; value: number; evaluations: number } {
  const n = start.length;
  const step = options.step ?? 0.5;
  const tolerance = options.tolerance ?? 1e-12;
  const maxEvaluations = options.maxEvaluations ?? 20_000;
  let evaluations = 0;
  const value = (x: Float64Array): number => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  let best = Float64Array.from(start);
  let bestValue = value(best);
  for (let restart = 0; restart <= (options.restarts ?? 3); restart++) {
    const simplex: Float64Array[] = [best.slice()];
    for (let i = 0; i < n; i++) {
      const p = best.slice();
      p[i] = (p[i] as number) + (restart === 0 ? step : step / 4);
      simplex.push(p);
    }
    const values = simplex.map((p, i) => (i === 0 ? bestValue : value(p)));
    const order = simplex.map((_, i) => i);
    while (evaluations < maxEvaluations) {
      order.sort((a, b) => (values[a] as number) - (values[b] as number));
      const lo = order[0] as number;
      const hi = order[n] as number;
      const second = order[n - 1] as number;
      const fLo = values[lo] as number;
      const fHi = values[hi] as number;
      if (Math.abs(fHi - fLo) <= tolerance * (Math.abs(fLo) + 1e-300)) {
        let spread = 0;
        for (const p of simplex)
          for (let j = 0; j < n; j++)
            spread = Math.max(spread, Math.abs((p[j] as number) - ((simplex[lo] as Float64Array)[j] as number)));
        if (spread < 1e-7) break;
      }
      const centroid = new Float64Array(n);
      for (const i of order.slice(0, n)) {
        const p = simplex[i] as Float64Array;
        for (let j = 0; j < n; j++) centroid[j] = (centroid[j] as number) + (p[j] as number) / n;
      }
      const worst = simplex[hi] as Float64Array;
      const along = (t: number) => centroid.map((c, j) => c + t * (c - (worst[j] as number)));
      const reflected = along(1);
      const fR = value(reflected);
      if (fR < fLo) {
        const expanded = along(2);
        const fE = value(expanded);
        if (fE < fR) {
          simplex[hi] = expanded;
          values[hi] = fE;
        } else {
          simplex[hi] = reflected;
          values[hi] = fR;
        }
      } else if (fR < (values[second] as number)) {
        simplex[hi] = reflected;
        values[hi] = fR;
      } else {
        const contracted = fR < fHi ? along(0.5) : along(-0.5);
        const fC = value(contracted);
        if (fC < Math.min(fR, fHi)) {
          simplex[hi] = contracted;
          values[hi] = fC;
        } else {
          const anchor = simplex[lo] as Float64Array;
          for (const i of order.slice(1)) {
            const p = (simplex[i] as Float64Array).map(
              (v, j) => (anchor[j] as number) + 0.5 * (v - (anchor[j] as number)),
            );
            simplex[i] = p;
            values[i] = value(p);
          }
        }
      }
    }
    let at = 0;
    for (let i = 1; i <= n; i++) if ((values[i] as number) < (values[at] as number)) at = i;
    const improved = bestValue - (values[at] as number);
    best = (simplex[at] as Float64Array).slice();
    bestValue = values[at] as number;
    if (restart > 0 && improved <= tolerance * Math.abs(bestValue)) break;
  }
  return { x: best, value: bestValue, evaluations };
}
