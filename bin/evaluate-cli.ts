import { parseArgs } from 'node:util';
import {
  EvaluateError,
  type EvaluateResult,
  evaluateOnTable,
  loadLabelledCsv,
  MODEL_FAMILIES,
} from '../models/evaluate.js';

export const EVALUATE_USAGE = `usage: kosh evaluate --data FILE.csv --label COLUMN [--drop A,B] [--model NAME] [--test-size 0.2]
                     [--seed 42] [--seeds N] [--negative-weight W] [--split kosh|sklearn] [--json]

Trains a kosh classifier family on a labelled numeric CSV (stratified, seeded split) and prints ROC-AUC,
PR-AUC (average precision; population-weighted too with --negative-weight), accuracy at 0.5, recall at
0.5 % FPR, training milliseconds and per-row predict microseconds. --seeds N repeats with seeds
seed … seed+N−1 and adds the mean and standard deviation. --split sklearn holds out exactly the rows scikit-learn's
train_test_split(stratify=y, random_state=seed) would, to compare with a Python peer on the same rows.

models: ${Object.entries(MODEL_FAMILIES)
  .map(([name, f]) => `\n  ${name.padEnd(18)}${f.description}`)
  .join('')}
`;

interface Summary {
  readonly seeds: number[];
  readonly mean: Record<string, number>;
  readonly sd: Record<string, number>;
}

const SUMMARIZED = [
  'rocAuc',
  'prAuc',
  'weightedPrAuc',
  'accuracy',
  'recallAtHalfPercentFpr',
  'trainMs',
  'predictMicrosPerRow',
] as const;

function summarize(results: EvaluateResult[]): Summary {
  const mean: Record<string, number> = {};
  const sd: Record<string, number> = {};
  for (const key of SUMMARIZED) {
    const values = results.map((r) => r[key]).filter((v): v is number => typeof v === 'number');
    if (values.length === 0) continue;
    const m = values.reduce((a, b) => a + b, 0) / values.length;
    mean[key] = m;
    sd[key] = Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, values.length - 1));
  }
  return { seeds: results.map((r) => r.seed), mean, sd };
}

const fmt = (v: number | null | undefined, digits = 4): string =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits);

function table(results: EvaluateResult[], summary: Summary | null): string {
  const first = results[0] as EvaluateResult;
  const lines = [
    `data       ${first.data}`,
    `model      ${first.model} (${first.algorithm})`,
    `rows       ${first.rows} (${first.positives} positive), ${first.features.length} features; test share ${first.testSize}`,
    '',
    'seed   ROC-AUC  PR-AUC  w.PR-AUC  accuracy  recall@0.5%FPR  train ms  predict µs/row',
  ];
  for (const r of results)
    lines.push(
      `${String(r.seed).padEnd(6)} ${fmt(r.rocAuc).padStart(7)}  ${fmt(r.prAuc).padStart(6)}  ${fmt(r.weightedPrAuc).padStart(8)}  ${fmt(r.accuracy).padStart(8)}  ${fmt(r.recallAtHalfPercentFpr).padStart(14)}  ${fmt(r.trainMs, 0).padStart(8)}  ${fmt(r.predictMicrosPerRow, 2).padStart(14)}`,
    );
  if (summary !== null) {
    const m = summary.mean;
    lines.push(
      `${'mean'.padEnd(6)} ${fmt(m['rocAuc']).padStart(7)}  ${fmt(m['prAuc']).padStart(6)}  ${fmt(m['weightedPrAuc']).padStart(8)}  ${fmt(m['accuracy']).padStart(8)}  ${fmt(m['recallAtHalfPercentFpr']).padStart(14)}  ${fmt(m['trainMs'], 0).padStart(8)}  ${fmt(m['predictMicrosPerRow'], 2).padStart(14)}`,
    );
    const s = summary.sd;
    lines.push(
      `${'sd'.padEnd(6)} ${fmt(s['rocAuc']).padStart(7)}  ${fmt(s['prAuc']).padStart(6)}  ${fmt(s['weightedPrAuc']).padStart(8)}`,
    );
  }
  return lines.join('\n');
}

const number = (name: string, v: string | undefined, fallback: number): number => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new EvaluateError(`--${name} must be a number, got ${v}`);
  return n;
};

/** `kosh evaluate …`: returns the exit code. */
export async function runEvaluateCli(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        data: { type: 'string' },
        label: { type: 'string' },
        drop: { type: 'string' },
        model: { type: 'string' },
        'test-size': { type: 'string' },
        seed: { type: 'string' },
        seeds: { type: 'string' },
        'negative-weight': { type: 'string' },
        split: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${EVALUATE_USAGE}`);
    return 1;
  }
  if (values['help'] === true) {
    console.log(EVALUATE_USAGE);
    return 0;
  }
  const data = values['data'];
  const label = values['label'];
  if (typeof data !== 'string' || typeof label !== 'string') {
    console.error(`--data and --label are required\n\n${EVALUATE_USAGE}`);
    return 1;
  }
  try {
    const seed = number('seed', values['seed'] as string | undefined, 42);
    const seeds = number('seeds', values['seeds'] as string | undefined, 1);
    const testSize = number('test-size', values['test-size'] as string | undefined, 0.2);
    const w = values['negative-weight'] as string | undefined;
    const split = values['split'] ?? 'kosh';
    if (split !== 'kosh' && split !== 'sklearn')
      throw new EvaluateError(`--split must be kosh or sklearn, got ${String(split)}`);
    const drop = String(values['drop'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const family = typeof values['model'] === 'string' ? MODEL_FAMILIES[values['model']] : undefined;
    const table0 = await loadLabelledCsv(data, label, drop, family?.categorical ?? 'error');
    const results: EvaluateResult[] = [];
    for (let k = 0; k < Math.max(1, Math.floor(seeds)); k++) {
      results.push(
        await evaluateOnTable(table0, {
          data,
          seed: seed + k,
          testSize,
          split,
          ...(typeof values['model'] === 'string' ? { model: values['model'] } : {}),
          ...(w === undefined ? {} : { negativeWeight: number('negative-weight', w, 1) }),
        }),
      );
    }
    const summary = results.length > 1 ? summarize(results) : null;
    if (values['json'] === true) {
      const { features: _features, ...one } = results[0] as EvaluateResult;
      console.log(
        JSON.stringify(
          summary === null ? results[0] : { ...one, runs: results.map(({ features: _f, ...r }) => r), summary },
          null,
          2,
        ),
      );
    } else console.log(table(results, summary));
    return 0;
  } catch (err) {
    if (err instanceof EvaluateError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
}
