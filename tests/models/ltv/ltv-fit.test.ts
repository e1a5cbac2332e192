import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../bin/cli.js';
import {
  bgNbdLogLikelihood,
  expectedPurchases,
  expectedPurchasesNewCustomer,
  probabilityAlive,
} from '../../../models/ltv/bg-nbd.js';
import { expectedOrderValue } from '../../../models/ltv/gamma-gamma.js';
import { fitLtvModel, scoreCustomer } from '../../../models/ltv/ltv-model.js';
import { hyp2f1, lnGamma } from '../../../models/ltv/special.js';
import { CSV_PURCHASES, summarizeTransactions } from '../../../models/ltv/summarize-transactions.js';
import { openDuckDb } from '../../../platform/duckdb.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
// CDNOW_sample.txt of ../shared/datasets/cdnow (md5 bc36b42c242f7c5653b36ad90a2807bd; see the README copied
// beside it) rewritten as customer_id (the sample id, 1..2357),date,amount — 6,919 purchases.
const CDNOW = path.resolve(REPO, 'tests/fixtures/cdnow/cdnow_sample_transactions.csv');

const capture = (): string[] => {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((m: unknown) => out.push(String(m)));
  vi.spyOn(console, 'error').mockImplementation((m: unknown) => out.push(String(m)));
  return out;
};

describe('kosh ltv fit', () => {
  afterEach(() => vi.restoreAllMocks());

  it('when fitted on CDNOW to 1997-09-30 → the published BG/NBD and Gamma-Gamma estimates', async () => {
    const out = capture();
    const code = await main(['ltv', 'fit', '--transactions', CDNOW, '--calibration-end', '1997-09-30', '--json'], {});
    expect(code).toBe(0);
    const result = JSON.parse(out.join('\n')) as {
      customers: number;
      repeat_customers: number;
      bg_nbd: Record<string, number>;
      gamma_gamma: Record<string, number>;
      timings_ms: { fit: number };
    };
    expect(result.customers).toBe(2357);
    expect(result.repeat_customers).toBe(946);
    // Fader, Hardie & Lee (2005), Sec. 7: r 0.243, alpha 4.414, a 0.793, b 2.426, LL −9582.4.
    expect(result.bg_nbd['r']?.toFixed(3)).toBe('0.243');
    expect(result.bg_nbd['alpha']?.toFixed(3)).toBe('4.414');
    expect(result.bg_nbd['a']?.toFixed(3)).toBe('0.793');
    expect(result.bg_nbd['b']?.toFixed(3)).toBe('2.426');
    expect(result.bg_nbd['log_likelihood']?.toFixed(1)).toBe('-9582.4');
    // Fader & Hardie (2013), note 025: p 6.25, q 3.74, gamma 15.44.
    expect(result.gamma_gamma['p']?.toFixed(2)).toBe('6.25');
    expect(result.gamma_gamma['q']?.toFixed(2)).toBe('3.74');
    expect(result.gamma_gamma['gamma']?.toFixed(2)).toBe('15.44');
    expect(result.timings_ms.fit).toBeGreaterThan(0);
  });

  it('when the calibration end is not a date → exit 1 naming the option', async () => {
    const out = capture();
    const code = await main(['ltv', 'fit', '--transactions', CDNOW, '--calibration-end', '30/09/1997'], {});
    expect(code).toBe(1);
    expect(out.join('\n')).toMatch(/--calibration-end must be a date/);
  });

  it('when the file is missing → exit 1', async () => {
    const out = capture();
    const code = await main(
      ['ltv', 'fit', '--transactions', '/nonexistent.csv', '--calibration-end', '1997-09-30'],
      {},
    );
    expect(code).toBe(1);
    expect(out.join('\n')).toMatch(/no file/);
  });
});

describe('BG/NBD and Gamma-Gamma formulas', () => {
  const published = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

  it('when summarizing → same-day purchases merge, the first day is birth, later purchases are ignored', async () => {
    const db = await openDuckDb(':memory:');
    try {
      const dir = mkdtempSync(path.join(tmpdir(), 'kosh-ltv-'));
      const file = path.join(dir, 'tiny.csv');
      writeFileSync(
        file,
        'customer_id,date,amount\nA,2020-01-01,10\nA,2020-01-01,5\nA,2020-01-08,20\nA,2020-01-15,40\nA,2020-03-01,99\nB,2020-01-29,7\n',
      );
      try {
        const s = await summarizeTransactions(db, CSV_PURCHASES, { end: '2020-01-29', path: file });
        expect(s).toEqual([
          { customerId: 'A', x: 2, tx: 2, T: 4, mean: 30, firstDay: '2020-01-01' },
          { customerId: 'B', x: 0, tx: 0, T: 0, mean: 0, firstDay: '2020-01-29' },
        ]);
      } finally {
        rmSync(dir, { recursive: true });
      }
    } finally {
      await db.close();
    }
  });

  it('when computing special functions → known values', () => {
    expect(lnGamma(1)).toBeCloseTo(0, 14);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
    expect(lnGamma(101)).toBeCloseTo(363.73937555556347, 9); // ln 100!
    // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z
    expect(hyp2f1(1, 1, 2, 0.5)).toBeCloseTo(-Math.log(0.5) / 0.5, 12);
  });

  it('when a customer has no repeat purchase → alive for sure; a long silence after many purchases → probably gone', () => {
    expect(probabilityAlive(published, { x: 0, tx: 0, T: 30 })).toBe(1);
    const active = probabilityAlive(published, { x: 10, tx: 38, T: 39 });
    const silent = probabilityAlive(published, { x: 10, tx: 5, T: 39 });
    expect(active).toBeGreaterThan(0.9);
    expect(silent).toBeLessThan(0.05);
  });

  it('when a customer is new → E[Y(t) | 0, 0, 0] equals the unconditional E[X(t)]', () => {
    const t = 39;
    expect(expectedPurchases(published, { x: 0, tx: 0, T: 0 }, t)).toBeCloseTo(
      expectedPurchasesNewCustomer(published, t),
      10,
    );
    // FHL (2005) Figure 1 tracks about 1.5 repeat purchases per customer by week 39 among the 2,357.
    expect(expectedPurchasesNewCustomer(published, t)).toBeGreaterThan(1);
    expect(expectedPurchasesNewCustomer(published, t)).toBeLessThan(2);
  });

  it('when the log-likelihood is summed in the closed form → it matches the direct form for x > 0', () => {
    const c = { x: 3, tx: 20, T: 35 };
    const { r, alpha, a, b } = published;
    const g = (v: number) => Math.exp(lnGamma(v));
    const direct =
      ((g(r + c.x) * alpha ** r) / g(r)) *
      ((g(a + b) * g(b + c.x)) / (g(b) * g(a + b + c.x))) *
      ((1 / (alpha + c.T)) ** (r + c.x) + (a / (b + c.x - 1)) * (1 / (alpha + c.tx)) ** (r + c.x));
    expect(bgNbdLogLikelihood(published, c)).toBeCloseTo(Math.log(direct), 10);
  });

  it('when valuing orders → shrinks the own mean towards the population mean p·γ/(q−1)', () => {
    const gg = { p: 6.25, q: 3.74, gamma: 15.44 };
    const population = (gg.p * gg.gamma) / (gg.q - 1);
    expect(expectedOrderValue(gg, { x: 0, mean: 0 })).toBeCloseTo(population, 10);
    const v = expectedOrderValue(gg, { x: 5, mean: 100 });
    expect(v).toBeGreaterThan(population);
    expect(v).toBeLessThan(100);
  });

  it('when scoring a fitted customer → CLV is the discounted sum of monthly expected spend', async () => {
    const db = await openDuckDb(':memory:');
    try {
      const s = await summarizeTransactions(db, CSV_PURCHASES, { end: '1997-09-30', path: CDNOW });
      const model = fitLtvModel(s);
      const best = s.reduce((m, c) => (c.x > m.x ? c : m));
      const undiscounted = scoreCustomer(model, best, { horizonDays: 30, clvMonths: 12, monthlyDiscountRate: 0 });
      const discounted = scoreCustomer(model, best, { horizonDays: 30, clvMonths: 12, monthlyDiscountRate: 0.01 });
      const year = expectedPurchases(model.bgNbd.params, best, (12 * 30) / 7);
      expect(undiscounted.clv).toBeCloseTo(year * (undiscounted.expectedOrderValue as number), 8);
      expect(discounted.clv).toBeLessThan(undiscounted.clv as number);
      expect(discounted.pAlive).toBeGreaterThan(0);
      expect(discounted.expectedPurchases).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  });
});
