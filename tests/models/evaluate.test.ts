import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.js';
import { loadLabelledCsv, stratifiedSplit } from '../../models/evaluate.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// A copy of ../shared/datasets/ulb-creditcard-fraud-sample (md5 09eb2247376c767ef46983e0ee792d64, ODbL; see its
// README), kept in the repo so the test runs wherever the checkout lives.
const ULB = path.resolve(REPO, 'tests/fixtures/ulb-creditcard-fraud-sample/creditcard_ulb_sample.csv');

const capture = (): string[] => {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((m: unknown) => out.push(String(m)));
  vi.spyOn(console, 'error').mockImplementation((m: unknown) => out.push(String(m)));
  return out;
};

describe('kosh evaluate', () => {
  afterEach(() => vi.restoreAllMocks());

  it('when run on the ULB credit-card sample (stratified 80/20, seed 42) → ROC-AUC ≥ 0.98, beside XGBoost 0.9856', async () => {
    const out = capture();
    const code = await main(
      [
        'evaluate',
        '--data',
        ULB,
        '--label',
        'Class',
        '--drop',
        'Time',
        '--test-size',
        '0.2',
        '--seed',
        '42',
        '--negative-weight',
        '56.98',
        '--json',
      ],
      {},
    );
    expect(code).toBe(0);
    const result = JSON.parse(out.join('\n')) as Record<string, number | string | null>;
    expect(result['model']).toBe('gbt');
    expect(result['rows']).toBe(5482);
    expect(result['positives']).toBe(492);
    expect(result['testRows']).toBe(998 + 98); // per class round(0.2 · n); scikit-learn's split takes 1,097
    expect(result['rocAuc']).toBeGreaterThanOrEqual(0.98);
    expect(result['prAuc']).toBeGreaterThan(0.9);
    expect(result['weightedPrAuc']).toBeGreaterThan(0.5);
    expect(result['accuracy']).toBeGreaterThan(0.98);
    expect(result['trainMs']).toBeGreaterThan(0);
    expect(result['predictMicrosPerRow']).toBeLessThan(1000);
  });

  it('when asked for a readable table with another family → a table with the figures', async () => {
    const out = capture();
    const code = await main(
      ['evaluate', '--data', ULB, '--label', 'Class', '--drop', 'Time', '--model', 'logistic'],
      {},
    );
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/ROC-AUC/);
    expect(out.join('\n')).toMatch(/logistic_regression/);
  });

  it('when the label, a column or the model is wrong → exit 1 with the reason', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kosh-evaluate-'));
    try {
      const csv = path.join(dir, 'bad.csv');
      writeFileSync(csv, 'a,b,name,y\n1,2,x,0\n3,4,z,1\n5,6,w,2\n');
      const out = capture();
      expect(await main(['evaluate', '--data', csv, '--label', 'nope'], {})).toBe(1);
      expect(out.join('\n')).toMatch(/no column nope/);
      expect(await main(['evaluate', '--data', csv, '--label', 'y', '--drop', 'name'], {})).toBe(1);
      expect(out.join('\n')).toMatch(/must be 0 or 1/);
      writeFileSync(csv, 'a,b,name,y\n1,2,x,0\n3,4,z,1\n');
      expect(await main(['evaluate', '--data', csv, '--label', 'y'], {})).toBe(1);
      expect(out.join('\n')).toMatch(/column name is not numeric/);
      expect(await main(['evaluate', '--data', csv, '--label', 'y', '--drop', 'name', '--model', 'svm'], {})).toBe(1);
      expect(out.join('\n')).toMatch(/unknown model svm/);
      expect(await main(['evaluate', '--label', 'y'], {})).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('stratified split', () => {
  it('when split with a seed → each class keeps its share, no row is lost, and the same seed gives the same split', async () => {
    const table = await loadLabelledCsv(ULB, 'Class', ['Time']);
    expect(table.featureNames).toEqual([...Array.from({ length: 28 }, (_, i) => `V${i + 1}`), 'Amount']);
    const a = stratifiedSplit(table.labels, 0.2, 42);
    const b = stratifiedSplit(table.labels, 0.2, 42);
    const c = stratifiedSplit(table.labels, 0.2, 43);
    expect(Array.from(a.test)).toEqual(Array.from(b.test));
    expect(Array.from(a.test)).not.toEqual(Array.from(c.test));
    expect(a.train.length + a.test.length).toBe(5482);
    expect(new Set([...a.train, ...a.test]).size).toBe(5482);
    const positives = Array.from(a.test).filter((i) => table.labels[i] === 1).length;
    expect(positives).toBe(Math.round(492 * 0.2));
  });
});
