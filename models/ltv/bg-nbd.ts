import { nelderMead } from '../nelder-mead.js';
import { hyp2f1, lnGamma, logAddExp } from './special.js';

/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"). While alive a customer buys as a
 * Poisson process of rate λ ~ Gamma(r, α); after every purchase she drops out with probability p ~ Beta(a, b).
 * Times are in the unit of the summary (weeks in the literature and in `kosh ltv fit`).
 */
export interface BgNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

/** A customer's calibration summary: x repeat purchases, the last at t_x, observed for T since the first. */
export interface RepeatSummary {
  readonly x: number;
  readonly tx: number;
  readonly T: number;
}

/**
 * ln L of one customer, the form of FHL (2005) eq. 6 without ₂F₁:
 * ln[Γ(r+x) α^r / Γ(r)] + ln[B(a, b+x) / B(a, b)] + ln[(α+T)^−(r+x) + 1{x>0} · a/(b+x−1) · (α+t_x)^−(r+x)],
 * the last sum taken by log-add-exp so neither term underflows for large x or T.
 */
export function bgNbdLogLikelihood(p: BgNbdParams, c: RepeatSummary): number {
  const { r, alpha, a, b } = p;
  const { x, tx, T } = c;
  const a1 = lnGamma(r + x) - lnGamma(r) + r * Math.log(alpha);
  const a2 = lnGamma(a + b) + lnGamma(b + x) - lnGamma(b) - lnGamma(a + b + x);
  const a3 = -(r + x) * Math.log(alpha + T);
  const a4 = x > 0 ? Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx) : Number.NEGATIVE_INFINITY;
  return a1 + a2 + logAddExp(a3, a4);
}

/** Customers with the same (x, t_x, T) share a likelihood term: fitting sums over the distinct ones. */
function group(customers: readonly RepeatSummary[]): { c: RepeatSummary; n: number }[] {
  const byKey = new Map<string, { c: RepeatSummary; n: number }>();
  for (const c of customers) {
    const key = `${c.x}|${c.tx}|${c.T}`;
    const g = byKey.get(key);
    if (g === undefined) byKey.set(key, { c, n: 1 });
    else g.n++;
  }
  return [...byKey.values()];
}

/**
 * Σ n · ln L over the groups. For integer x the gamma-function ratios are finite products,
 * ln Γ(r+x) − ln Γ(r) = Σ_{k<x} ln(r+k) (likewise for b and a+b), tabulated once per evaluation for
 * x = 0 … max x: the fit then costs a few logarithms per customer instead of six log-gammas.
 */
function totalLogLikelihood(p: BgNbdParams, groups: readonly { c: RepeatSummary; n: number }[], maxX: number): number {
  const { r, alpha, a, b } = p;
  const head = new Float64Array(maxX + 1);
  let sum = r * Math.log(alpha);
  for (let x = 0; x <= maxX; x++) {
    head[x] = sum;
    sum += Math.log(r + x) + Math.log(b + x) - Math.log(a + b + x);
  }
  const logA = Math.log(a);
  let ll = 0;
  for (const { c, n } of groups) {
    const { x, tx, T } = c;
    const a3 = -(r + x) * Math.log(alpha + T);
    const a4 = x > 0 ? logA - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx) : Number.NEGATIVE_INFINITY;
    ll += n * ((head[x] as number) + logAddExp(a3, a4));
  }
  return ll;
}

export interface BgNbdFit {
  readonly params: BgNbdParams;
  readonly logLikelihood: number;
  readonly customers: number;
  readonly evaluations: number;
}

/**
 * Maximum likelihood on log-parameters (so all four stay positive) by Nelder–Mead from (1, 1, 1, 1), restarted
 * until it stays put. A non-finite likelihood counts as +∞ in the search, so it backs off the edges. The
 * reported log-likelihood is recomputed with log-gammas (`bgNbdLogLikelihood`).
 */
export function fitBgNbd(customers: readonly RepeatSummary[]): BgNbdFit {
  if (customers.length === 0) throw new RangeError('BG/NBD needs at least one customer');
  for (const c of customers)
    if (!(Number.isInteger(c.x) && c.x >= 0 && c.tx >= 0 && c.T >= c.tx))
      throw new RangeError(`BG/NBD needs integer x >= 0 and 0 <= t_x <= T; got x ${c.x}, t_x ${c.tx}, T ${c.T}`);
  const groups = group(customers);
  const maxX = groups.reduce((m, g) => Math.max(m, g.c.x), 0);
  const params = (v: Float64Array): BgNbdParams => ({
    r: Math.exp(v[0] as number),
    alpha: Math.exp(v[1] as number),
    a: Math.exp(v[2] as number),
    b: Math.exp(v[3] as number),
  });
  const result = nelderMead((v) => -totalLogLikelihood(params(v), groups, maxX), [0, 0, 0, 0], {
    step: 1,
    reltol: 1e-10,
    xtol: 1e-7,
    restarts: 3,
    maxEvaluations: 40_000,
  });
  const p = params(result.x);
  let ll = 0;
  for (const g of groups) ll += g.n * bgNbdLogLikelihood(p, g.c);
  return { params: p, logLikelihood: ll, customers: customers.length, evaluations: result.evaluations };
}

/** P(alive | x, t_x, T) = 1 / (1 + 1{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)). */
export function probabilityAlive(p: BgNbdParams, c: RepeatSummary): number {
  if (c.x === 0) return 1;
  const logRatio = Math.log(p.a) - Math.log(p.b + c.x - 1) + (p.r + c.x) * Math.log((p.alpha + c.T) / (p.alpha + c.tx));
  return 1 / (1 + Math.exp(logRatio));
}

/**
 * E[Y(t) | x, t_x, T], the expected purchases in the next t (FHL 2005 eq. 10):
 * (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))] / (1 + 1{x>0} a/(b+x−1) ((α+T)/(α+t_x))^(r+x)).
 */
export function expectedPurchases(p: BgNbdParams, c: RepeatSummary, t: number): number {
  if (t <= 0) return 0;
  const { r, alpha, a, b } = p;
  const { x, tx, T } = c;
  const z = t / (alpha + T + t);
  const head = (a + b + x - 1) / (a - 1);
  const bracket = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z);
  const denominator = x > 0 ? 1 + (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x) : 1;
  return (head * bracket) / denominator;
}

/** E[X(t)] for a new customer: the expected purchases in (0, t] (FHL 2005 eq. 7). */
export function expectedPurchasesNewCustomer(p: BgNbdParams, t: number): number {
  const { r, alpha, a, b } = p;
  const z = t / (alpha + t);
  return ((a + b - 1) / (a - 1)) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z));
}
