import { nelderMead } from '../nelder-mead.js';
import { lnGamma } from './special.js';

/**
 * Gamma-Gamma spend model (Fader & Hardie 2013, note 025): each transaction value ~ Gamma(p, ν), ν ~ Gamma(q, γ)
 * across customers; fitted on the customers with x > 0 repeat purchases and their mean repeat value z̄.
 */
export interface GammaGammaParams {
  readonly p: number;
  readonly q: number;
  readonly gamma: number;
}

export interface SpendSummary {
  /** Repeat purchases (x > 0). */
  readonly x: number;
  /** Mean value of the repeat purchases (> 0). */
  readonly mean: number;
}

/**
 * ln f(z̄ | p, q, γ, x) = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln z̄ + px ln x − (px+q) ln(γ + x z̄).
 */
export function gammaGammaLogLikelihood(g: GammaGammaParams, c: SpendSummary): number {
  const { p, q, gamma } = g;
  const { x, mean } = c;
  return (
    lnGamma(p * x + q) -
    lnGamma(p * x) -
    lnGamma(q) +
    q * Math.log(gamma) +
    (p * x - 1) * Math.log(mean) +
    p * x * Math.log(x) -
    (p * x + q) * Math.log(gamma + x * mean)
  );
}

export interface GammaGammaFit {
  readonly params: GammaGammaParams;
  readonly logLikelihood: number;
  readonly customers: number;
  readonly evaluations: number;
}

/** Maximum likelihood on log-parameters by Nelder–Mead from (1, 1, 1); customers with x = 0 or z̄ ≤ 0 are skipped. */
export function fitGammaGamma(customers: readonly SpendSummary[]): GammaGammaFit {
  const used = customers.filter((c) => c.x > 0 && c.mean > 0);
  if (used.length === 0) throw new RangeError('Gamma-Gamma needs at least one customer with a repeat purchase');
  const params = (v: Float64Array): GammaGammaParams => ({
    p: Math.exp(v[0] as number),
    q: Math.exp(v[1] as number),
    gamma: Math.exp(v[2] as number),
  });
  const negLl = (v: Float64Array): number => {
    const g = params(v);
    let ll = 0;
    for (const c of used) ll += gammaGammaLogLikelihood(g, c);
    return -ll;
  };
  const result = nelderMead(negLl, [0, 0, 0], {
    step: 1,
    reltol: 1e-10,
    xtol: 1e-7,
    restarts: 3,
    maxEvaluations: 30_000,
  });
  return {
    params: params(result.x),
    logLikelihood: -result.value,
    customers: used.length,
    evaluations: result.evaluations,
  };
}

/**
 * E[M | p, q, γ, x, z̄] = (γ + x z̄) p / (p x + q − 1): the customer's expected order value, her mean shrunk
 * towards the population mean p γ / (q − 1). With x = 0 it is the population mean (needs q > 1).
 */
export function expectedOrderValue(g: GammaGammaParams, c: { x: number; mean: number }): number {
  const x = c.x > 0 && c.mean > 0 ? c.x : 0;
  return ((g.gamma + x * (x === 0 ? 0 : c.mean)) * g.p) / (g.p * x + g.q - 1);
}
