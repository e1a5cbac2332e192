import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../bin/cli.js';
import { loadLabelledCsv } from '../../../models/evaluate.js';
import { numpyPermutation, sklearnStratifiedSplit } from '../../../models/sklearn-split.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
// A copy of ../shared/datasets/telco-churn (md5 3b0bfab28a8101b4e4fdd08025a5c235, Apache-2.0; README beside it).
const TELCO = path.resolve(REPO, 'tests/fixtures/telco-churn/Telco-Customer-Churn.csv');

const capture = (): string[] => {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((m: unknown) => out.push(String(m)));
  vi.spyOn(console, 'error').mockImplementation((m: unknown) => out.push(String(m)));
  return out;
};

describe('kosh evaluate --model churn on IBM Telco churn', () => {
  afterEach(() => vi.restoreAllMocks());

  it('when held out as scikit-learn does (stratified 80/20, seed 42) → ROC-AUC ≥ 0.84 and accuracy ≥ 0.80, beside the LR peer 0.842 / 0.808', async () => {
    const out = capture();
    const code = await main(
      [
        'evaluate',
        '--data',
        TELCO,
        '--label',
        'Churn',
        '--drop',
        'customerID',
        '--model',
        'churn',
        '--split',
        'sklearn',
        '--seed',
        '42',
        '--json',
      ],
      {},
    );
    expect(code).toBe(0);
    const text = out.join('\n');
    const r = JSON.parse(text.slice(text.indexOf('{'))) as Record<string, number | string>;
    expect(r['rows']).toBe(7043);
    expect(r['positives']).toBe(1869);
    expect(r['testRows']).toBe(1409);
    expect(r['rocAuc']).toBeGreaterThanOrEqual(0.84);
    expect(r['accuracy']).toBeGreaterThanOrEqual(0.8);
  }, 600_000);

  it('when read one-hot → Yes/No label, 11 blank TotalCharges as 0, text columns as indicators', async () => {
    const t = await loadLabelledCsv(TELCO, 'Churn', ['customerID'], 'one-hot');
    expect(t.rows.length).toBe(7043);
    expect(t.labels.reduce((a, b) => a + b, 0)).toBe(1869);
    const total = t.featureNames.indexOf('TotalCharges');
    expect(total).toBeGreaterThanOrEqual(0);
    expect(t.rows.filter((r) => r[total] === 0).length).toBe(11);
    expect(t.featureNames).toEqual(
      expect.arrayContaining(['Contract=Month-to-month', 'Contract=One year', 'Contract=Two year', 'tenure']),
    );
    expect(t.featureNames).not.toContain('customerID');
  });
});

describe('scikit-learn split', () => {
  it('when seeded 42 → numpy RandomState(42).permutation values, and the stratified held-out rows of the peer', async () => {
    // np.random.RandomState(42): permutation(5174)[:5], then permutation(1869)[:5]
    const [a, b] = numpyPermutation(42, 5174, 1869);
    expect(Array.from((a as Uint32Array).slice(0, 5))).toEqual([1566, 1988, 1235, 4412, 5002]);
    expect(Array.from((b as Uint32Array).slice(0, 5))).toEqual([699, 954, 832, 696, 1814]);
    const t = await loadLabelledCsv(TELCO, 'Churn', ['customerID'], 'one-hot');
    const s = sklearnStratifiedSplit(t.labels, 0.2, 42);
    expect(s.test.length).toBe(1409);
    expect(Array.from(s.test.slice(0, 8))).toEqual([6, 7, 9, 14, 18, 24, 36, 38]);
    expect(s.test.reduce((x, y) => x + y, 0)).toBe(5021202); // Σ of the indices numpy/scikit-learn hold out
  });
});
