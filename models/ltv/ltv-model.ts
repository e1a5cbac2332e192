import { type BgNbdFit, expectedPurchases, fitBgNbd, probabilityAlive } from './bg-nbd.js';
import { expectedOrderValue, fitGammaGamma, type GammaGammaFit } from './gamma-gamma.js';
import type { CustomerSummary } from './summarize-transactions.js';

/** A fitted BG/NBD + Gamma-Gamma pair; times in weeks. */
export interface LtvModel {
  readonly bgNbd: BgNbdFit;
  /** Null when no customer has a repeat purchase. */
  readonly gammaGamma: GammaGammaFit | null;
  readonly fitMs: number;
}

/** Fits both models on the calibration summaries. */
export function fitLtvModel(customers: readonly CustomerSummary[]): LtvModel {
  const started = performance.now();
  const bgNbd = fitBgNbd(customers);
  const repeaters = customers.filter((c) => c.x > 0 && c.mean > 0);
  const gammaGamma = repeaters.length === 0 ? null : fitGammaGamma(repeaters);
  return { bgNbd, gammaGamma, fitMs: performance.now() - started };
}

/** A month is 30 days for the CLV sum (as in the lifetimes library); the model's unit is the week. */
export const WEEKS_PER_MONTH = 30 / 7;

export interface LtvScore {
  readonly pAlive: number;
  /** Expected purchases in the next `horizonDays`. */
  readonly expectedPurchases: number;
  readonly expectedOrderValue: number | null;
  /** Discounted expected spend over `clvMonths`, in the currency unit of the amounts. */
  readonly clv: number | null;
}

export interface LtvScoreOptions {
  readonly horizonDays: number;
  readonly clvMonths: number;
  /** Monthly discount rate, e.g. 0.01 (≈ 12.7 % a year). */
  readonly monthlyDiscountRate: number;
}

export const DEFAULT_LTV_SCORE_OPTIONS: LtvScoreOptions = { horizonDays: 30, clvMonths: 12, monthlyDiscountRate: 0.01 };

/**
 * CLV = Σ_{m=1..M} (E[Y(m·30 d)] − E[Y((m−1)·30 d)]) · E[M] / (1 + d)^m: the purchases expected in each coming
 * month, valued at the expected order value and discounted at the monthly rate d at the month's end.
 */
export function scoreCustomer(
  model: LtvModel,
  c: CustomerSummary,
  options: LtvScoreOptions = DEFAULT_LTV_SCORE_OPTIONS,
): LtvScore {
  const p = model.bgNbd.params;
  const value = model.gammaGamma === null ? null : expectedOrderValue(model.gammaGamma.params, c);
  let clv: number | null = null;
  if (value !== null) {
    clv = 0;
    let previous = 0;
    for (let m = 1; m <= options.clvMonths; m++) {
      const cumulative = expectedPurchases(p, c, m * WEEKS_PER_MONTH);
      clv += ((cumulative - previous) * value) / (1 + options.monthlyDiscountRate) ** m;
      previous = cumulative;
    }
  }
  return {
    pAlive: probabilityAlive(p, c),
    expectedPurchases: expectedPurchases(p, c, options.horizonDays / 7),
    expectedOrderValue: value,
    clv,
  };
}
