# Regenerates notebooks/*.ipynb from the cell sources below (python3 scripts/make-notebooks.py): the notebooks are
# kept as code here so a change to a shared setup cell is made once. The executed copies are never committed.
import json, sys, hashlib
SETUP = r'''// Setup: kosh's CLI on a data directory of its own (KOSH_NOTEBOOK_DATA_DIR to use yours; stop its server first
// or the CLI talks to it), DuckDB for queries. Every later cell uses `kosh(...)` and `query(...)`.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

let root = process.cwd();
while (!fs.existsSync(path.join(root, 'bin', 'kosh.ts'))) root = path.dirname(root);
const dataDir = process.env.KOSH_NOTEBOOK_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kosh-notebook-'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kosh-notebook-files-'));
const kosh = (...args: string[]): string =>
  execFileSync(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'bin', 'kosh.ts'), ...args], {
    cwd: root,
    env: { ...process.env, KOSH_DATA_DIR: dataDir, KOSH_LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
const instance: DuckDBInstance = await DuckDBInstance.create(':memory:');
const duck: DuckDBConnection = await instance.connect();
const query = async (sql: string): Promise<Record<string, unknown>[]> =>
  (await duck.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
const show = (rows: Record<string, unknown>[]) =>
  console.table(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]))));
console.log(`kosh at ${root}; data in ${dataDir}`);'''

def cell(kind, src, i, name):
    cid = hashlib.sha1(f"{name}-{i}".encode()).hexdigest()[:8]
    c = {"cell_type": kind, "id": cid, "metadata": {}, "source": src.strip("\n").splitlines(keepends=True)}
    if kind == "code":
        c["execution_count"] = None
        c["outputs"] = []
    return c

def notebook(name, cells):
    nb = {"cells": [cell(k, s, i, name) for i, (k, s) in enumerate(cells)],
          "metadata": {"kernelspec": {"display_name": "TypeScript (kosh)", "language": "typescript", "name": "tslab"},
                       "language_info": {"name": "typescript"}},
          "nbformat": 4, "nbformat_minor": 5}
    with open(f"notebooks/{name}.ipynb", "w") as f:
        json.dump(nb, f, indent=1)
        f.write("\n")

notebook("01-explore-features", [
 ("markdown", """# Exploring kosh's fraud features

The fraud feature set (45 features, point-in-time correct: each payment sees only what happened before it, exactly
as the scorer saw it at checkout) exported with `kosh export features`, then explored with DuckDB.
Definitions of every feature: `docs/fraud-features.md`."""),
 ("code", SETUP),
 ("code", """// Demo data: 8,000 payments over three months (skip when you point KOSH_NOTEBOOK_DATA_DIR at real data).
if (process.env.KOSH_NOTEBOOK_DATA_DIR === undefined) console.log(kosh('seed', '--payments', '8000', '--months', '3'));
const file = path.join(work, 'fraud.parquet');
console.log(kosh('export', 'features', '--set', 'fraud', '--out', file));
const loaded = await query(`CREATE TABLE f AS SELECT * FROM read_parquet('${file}')`);
console.log(`loaded ${loaded[0]?.Count} rows into DuckDB table f`);"""),
 ("code", """// How many attempts, how many labelled fraud, over which dates.
show(await query(`SELECT count(*) AS attempts, sum(label) AS fraud, round(100 * avg(label), 3) AS fraud_pct,
                         min(event_time)::DATE AS first_day, max(event_time)::DATE AS last_day FROM f`));"""),
 ("code", """// Every feature's distribution (DuckDB's SUMMARIZE): look for constant columns, NaNs and extreme ranges.
const summary = await query(`SELECT column_name, min, max, round(avg::DOUBLE, 4) AS mean, null_percentage
                             FROM (SUMMARIZE SELECT * EXCLUDE (id, event_time) FROM f)`);
show(summary);
const constant = summary.filter((r) => r.min === r.max).map((r) => r.column_name);
console.log(`constant over this window: ${constant.length === 0 ? 'none' : constant.join(', ')}`);"""),
 ("code", """// Which features separate fraud from the rest? The standardised mean difference of each feature by label.
const columns = (await query(`SELECT column_name FROM (DESCRIBE f) WHERE column_type = 'DOUBLE'`)).map((r) => String(r.column_name));
const separation = [];
for (const c of columns) {
  const [r] = await query(`SELECT avg("${c}") FILTER (label = 1) AS fraud_mean, avg("${c}") FILTER (label = 0) AS legit_mean,
                                  stddev_pop("${c}") AS sd FROM f`);
  const sd = Number(r.sd);
  separation.push({ feature: c, fraud_mean: Number(r.fraud_mean), legit_mean: Number(r.legit_mean),
                    smd: sd > 0 ? (Number(r.fraud_mean) - Number(r.legit_mean)) / sd : 0 });
}
separation.sort((a, b) => Math.abs(b.smd) - Math.abs(a.smd));
console.table(separation.slice(0, 12));"""),
 ("code", """// The fraud rate by decile of the strongest feature: a monotone rise is what a tree model will pick up.
const top = separation[0].feature;
show(await query(`SELECT decile, count(*) AS attempts, round(100 * avg(label), 2) AS fraud_pct,
                         round(min("${top}"), 3) AS from_value, round(max("${top}"), 3) AS to_value
                  FROM (SELECT label, "${top}", ntile(10) OVER (ORDER BY "${top}") AS decile FROM f)
                  GROUP BY decile ORDER BY decile`));"""),
])

notebook("02-retrain-compare-fraud", [
 ("markdown", """# Retraining and comparing the fraud model

Train two candidates on the same demo data with different seeds and validation shares, compare their held-out
metrics from the registry, promote the better one through the gate (`docs/model-registry.md`), then compare the
model families on the public ULB credit-card data with `kosh evaluate`."""),
 ("code", SETUP),
 ("code", """if (process.env.KOSH_NOTEBOOK_DATA_DIR === undefined) console.log(kosh('seed', '--payments', '12000', '--months', '4'));
console.log(kosh('train', 'fraud', '--seed', '1'));
console.log(kosh('train', 'fraud', '--seed', '2', '--validation-share', '0.3'));"""),
 ("code", """// The registry: every model with its held-out (validation) metrics.
type Model = { id: string; state: string; algorithm: string; validation_rows: number; metrics: Record<string, number> };
const models = JSON.parse(kosh('models', 'list', '--json')) as Model[];
console.table(models.map((m) => ({ version: m.id, state: m.state, algorithm: m.algorithm, validation_rows: m.validation_rows,
  pr_auc: m.metrics.prAuc, roc_auc: m.metrics.rocAuc })));"""),
 ("code", """// Promote the newest candidate. The gate compares it with the champion on the candidate's own validation
// window and refuses a worse model; the CLI prints the gate's figures either way.
const candidate = models.find((m) => m.state === 'candidate');
if (candidate !== undefined) {
  try { console.log(kosh('models', 'promote', candidate.id)); }
  catch (err) { console.log(`refused by the gate:\\n${(err as { stderr?: string }).stderr ?? err}`); }
}
console.table((JSON.parse(kosh('models', 'list', '--json')) as Model[]).map((m) => ({ version: m.id, state: m.state })));"""),
 ("code", """// Model families on public data: the ULB credit-card sample kept as a test fixture (see its README for the
// published XGBoost figure). Same split and seed for every family.
const ulb = path.join(root, 'tests', 'fixtures', 'ulb-creditcard-fraud-sample', 'creditcard_ulb_sample.csv');
const families = ['gbt', 'logistic', 'forest'];
const results = families.map((model) => {
  const r = JSON.parse(kosh('evaluate', '--data', ulb, '--label', 'Class', '--drop', 'Time', '--model', model, '--json'));
  return { model, roc_auc: r.rocAuc ?? r.roc_auc, pr_auc: r.prAuc ?? r.pr_auc, train_ms: r.trainMs ?? r.train_ms };
});
console.table(results);"""),
])

notebook("04-forecast-backtest", [
 ("markdown", """# Forecast backtest

kosh's forecasting methods (ETS chosen by AICc with admissibility guards, Theta, and their combination;
`docs/forecast.md`) scored as the M3 competition scores them, on a 20-series subset of M3 monthly kept as a test
fixture, beside the competition's own Theta forecasts for the same series. Then the revenue forecast on demo
data: which method won its rolling-origin backtest, and how far off the next quarter's revenue was."""),
 ("code", SETUP),
 ("code", """const fixtures = path.join(root, 'tests', 'fixtures', 'forecast');
const m3 = JSON.parse(kosh('forecast', 'evaluate', '--train', path.join(fixtures, 'm3-subset-train.csv'),
  '--test', path.join(fixtures, 'm3-subset-test.csv'), '--horizon', '18', '--season', '12', '--json'));
console.table(m3.methods.map((m: { method: string; smape: number; mase: number; mape: number; fitMsPerSeries: { median: number } }) =>
  ({ method: m.method, smape: m.smape.toFixed(2), mase: m.mase.toFixed(3), mape: m.mape.toFixed(2), fit_ms_median: m.fitMsPerSeries.median.toFixed(0) })));"""),
 ("code", """// The M3 competition's submitted Theta forecasts for the same 20 series, scored by the same sMAPE definition
// (200 |y - f| / (|y| + |f|), averaged over the series at each horizon, then over horizons 1..18), in DuckDB.
const published = await query(`
  WITH test AS (SELECT series, t, value, row_number() OVER (PARTITION BY series ORDER BY t) AS h
                FROM read_csv('${path.join(fixtures, 'm3-subset-test.csv')}')),
       theta AS (SELECT series, t, value FROM read_csv('${path.join(fixtures, 'm3-subset-THETA.csv')}'))
  SELECT round(avg(s), 2) AS published_theta_smape FROM (
    SELECT h, avg(200 * abs(test.value - theta.value) / (abs(test.value) + abs(theta.value))) AS s
    FROM test JOIN theta USING (series, t) GROUP BY h)`);
show(published);"""),
 ("code", """// sMAPE by horizon: the combination against kosh's own Theta.
const by = (name: string) => m3.methods.find((m: { method: string }) => m.method === name).smapeByHorizon as number[];
console.table(by('combination').map((v, i) => ({ h: i + 1, combination: v.toFixed(2), theta: by('theta')[i].toFixed(2) })));"""),
 ("code", """// Revenue on demo data: kosh train forecast refreshes every segment and prints each backtest.
if (process.env.KOSH_NOTEBOOK_DATA_DIR === undefined) console.log(kosh('seed', '--payments', '12000', '--months', '12'));
console.log(kosh('train', 'forecast'));"""),
 ("code", r"""// The cached overall monthly forecast, read from kosh's PostgreSQL (the embedded one under the data directory, or
// KOSH_DATABASE_URL) by a small script run like the CLI, with kosh's own connection code.
const reader = path.join(work, 'read-forecast.mts');
fs.writeFileSync(reader, `import { openDatabase } from ${JSON.stringify(path.join(root, 'platform', 'open-database.ts'))};
const database = await openDatabase({ databaseUrl: process.env.KOSH_DATABASE_URL ?? null, dataDir: process.env.KOSH_DATA_DIR ?? '' });
try {
  const row = await database.db.one("SELECT payload FROM revenue_forecasts WHERE segment = 'overall' AND granularity = 'month'");
  process.stdout.write(String(row?.payload ?? 'null'));
} finally {
  await database.close();
}
`);
const payload = execFileSync(path.join(root, 'node_modules', '.bin', 'tsx'), [reader], {
  cwd: root, env: { ...process.env, KOSH_DATA_DIR: dataDir }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const forecast = JSON.parse(payload);
console.log(`method ${forecast.method} (${forecast.model}); backtest: sMAPE ${forecast.backtest.smape?.toFixed(2)}, ` +
  `next-quarter error ${Number(forecast.backtest.quarter_ape).toFixed(1)} % over ${forecast.backtest.origins} origins`);
console.table(forecast.points.slice(0, 6).map((p: Record<string, number | string>) => ({ period: p.period,
  point: (Number(p.point_minor) / 100).toFixed(0), lower80: (Number(p.lower80_minor) / 100).toFixed(0),
  upper80: (Number(p.upper80_minor) / 100).toFixed(0), lower95: (Number(p.lower95_minor) / 100).toFixed(0),
  upper95: (Number(p.upper95_minor) / 100).toFixed(0) })));"""),
])

notebook("03-churn-drivers", [
 ("markdown", """# Churn drivers

The subscriber churn model (`docs/churn.md`): trained on this database's monthly snapshots, the winner among
logistic regression, a random forest and a small tfjs network chosen on the newest month, calibrated. The
nightly churn report ranks at-risk families with the drivers behind each probability; here we read it back
from the object store and look at which drivers dominate. Last, BG/NBD + Gamma-Gamma on the public CDNOW
sample, beside the published parameters."""),
 ("code", SETUP),
 ("code", """// Demo data with a churn signal (`--churn`: customers buy at different rates and about a third leave).
if (process.env.KOSH_NOTEBOOK_DATA_DIR === undefined) console.log(kosh('seed', '--payments', '12000', '--months', '9', '--churn'));
console.log(kosh('train', 'churn'));"""),
 ("code", """// The nightly report, run now; it writes CSV, Parquet and HTML to the analytics bucket.
console.log(kosh('jobs', 'run', 'churn-report'));
const reports = path.join(dataDir, 'objects', 'analytics', 'churn');
const latest = fs.readdirSync(reports).sort().at(-1) as string;
const scores = path.join(reports, latest, 'at-risk.parquet');
const loaded = await query(`CREATE TABLE scores AS SELECT * FROM read_parquet('${scores}')`);
console.log(`report of ${latest}: ${loaded[0]?.Count} customers scored`);
const columns = await query(`SELECT column_name, column_type FROM (DESCRIBE scores)`);
console.log(columns.map((c) => `${c.column_name} ${c.column_type}`).join(', '));"""),
 ("code", """// The first ten of the ranking (by revenue at risk), with each family's two strongest drivers.
show(await query(`SELECT rank, customer_id, school_id, round(probability, 3) AS probability,
                         json_extract_string(drivers, '$[0].feature') AS driver_1, json_extract_string(drivers, '$[1].feature') AS driver_2,
                         revenue_at_risk_minor // 100 AS revenue_at_risk_rupees, round(p_alive, 2) AS p_alive
                  FROM scores ORDER BY rank LIMIT 10`));"""),
 ("code", """// Which drivers dominate among the at-risk families (probability >= 0.5): the first driver of each.
show(await query(`SELECT json_extract_string(drivers, '$[0].feature') AS top_driver, count(*) AS families,
                         round(sum(revenue_at_risk_minor) / 100) AS revenue_at_risk_rupees
                  FROM scores WHERE probability >= 0.5 GROUP BY ALL ORDER BY families DESC LIMIT 10`));"""),
 ("code", """// BG/NBD and Gamma-Gamma on CDNOW (calibration to 1997-09-30), beside the published parameters.
const cdnow = path.join(root, 'tests', 'fixtures', 'cdnow', 'cdnow_sample_transactions.csv');
const fit = JSON.parse(kosh('ltv', 'fit', '--transactions', cdnow, '--calibration-end', '1997-09-30', '--json'));
console.log(JSON.stringify(fit, null, 1).slice(0, 1500));
console.log('published: r 0.243, alpha 4.414, a 0.793, b 2.426, log-likelihood -9582.4; p 6.25, q 3.74, gamma 15.44');"""),
])
