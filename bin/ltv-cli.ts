import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fitLtvModel } from '../models/ltv/ltv-model.js';
import { CSV_PURCHASES, summarizeTransactions } from '../models/ltv/summarize-transactions.js';
import { openDuckDb } from '../platform/duckdb.js';

export const LTV_USAGE = `usage: kosh ltv fit --transactions FILE.csv --calibration-end YYYY-MM-DD [--json]

Fits BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma (Fader & Hardie 2013) by maximum likelihood on a CSV of
purchases with columns customer_id,date,amount (one row per purchase). Purchases of a customer on one day are
merged, the first purchase day is the customer's birth, purchases after the calibration end are ignored, and
time is measured in weeks. Prints r, alpha, a, b and the BG/NBD log-likelihood; p, q, gamma and the
Gamma-Gamma log-likelihood (customers with a repeat purchase, on their mean repeat purchase value).
`;

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

/** `kosh ltv …`: returns the exit code. */
export async function runLtvCli(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'fit') {
    console.error(LTV_USAGE);
    return sub === undefined || sub === 'help' || sub === '--help' ? 0 : 1;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        transactions: { type: 'string' },
        'calibration-end': { type: 'string' },
        json: { type: 'boolean' },
      },
    }));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${LTV_USAGE}`);
    return 1;
  }
  const file = values['transactions'];
  const end = values['calibration-end'];
  if (typeof file !== 'string' || typeof end !== 'string') {
    console.error(`--transactions and --calibration-end are required\n\n${LTV_USAGE}`);
    return 1;
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(end) || Number.isNaN(Date.parse(`${end}T00:00:00Z`))) {
    console.error(`--calibration-end must be a date YYYY-MM-DD, got ${end}`);
    return 1;
  }
  if (!existsSync(file)) {
    console.error(`no file ${file}`);
    return 1;
  }
  const started = performance.now();
  const db = await openDuckDb(':memory:', { readers: 1 });
  let summaries: Awaited<ReturnType<typeof summarizeTransactions>>;
  try {
    summaries = await summarizeTransactions(db, CSV_PURCHASES, { end, path: file });
  } catch (err) {
    console.error(
      `cannot read ${file} as customer_id,date,amount: ${err instanceof Error ? err.message : String(err)}`,
    );
    return 1;
  } finally {
    await db.close();
  }
  const readMs = performance.now() - started;
  if (summaries.length === 0) {
    console.error(`no purchases on or before ${end} in ${file}`);
    return 1;
  }
  const model = fitLtvModel(summaries);
  const bg = model.bgNbd;
  const gg = model.gammaGamma;
  const result = {
    transactions: file,
    calibration_end: end,
    customers: summaries.length,
    repeat_customers: gg?.customers ?? 0,
    time_unit: 'week',
    bg_nbd: {
      r: bg.params.r,
      alpha: bg.params.alpha,
      a: bg.params.a,
      b: bg.params.b,
      log_likelihood: bg.logLikelihood,
      evaluations: bg.evaluations,
    },
    gamma_gamma:
      gg === null
        ? null
        : {
            p: gg.params.p,
            q: gg.params.q,
            gamma: gg.params.gamma,
            log_likelihood: gg.logLikelihood,
            evaluations: gg.evaluations,
          },
    timings_ms: { read: round(readMs, 1), fit: round(model.fitMs, 1) },
  };
  if (values['json'] === true) {
    console.log(JSON.stringify(result, null, 2));
    return 0;
  }
  const lines = [
    `customers  ${result.customers} (${result.repeat_customers} with a repeat purchase), calibration to ${end}, weeks`,
    `BG/NBD     r ${bg.params.r.toFixed(4)}  alpha ${bg.params.alpha.toFixed(4)}  a ${bg.params.a.toFixed(4)}  b ${bg.params.b.toFixed(4)}  LL ${bg.logLikelihood.toFixed(2)}`,
    gg === null
      ? 'Gamma-Gamma  no customer with a repeat purchase'
      : `Gamma-Gamma  p ${gg.params.p.toFixed(4)}  q ${gg.params.q.toFixed(4)}  gamma ${gg.params.gamma.toFixed(4)}  LL ${gg.logLikelihood.toFixed(2)}`,
    `took       read ${result.timings_ms.read} ms, fit ${result.timings_ms.fit} ms`,
  ];
  console.log(lines.join('\n'));
  return 0;
}
