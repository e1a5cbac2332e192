import { SCOPES } from '../payments-core/api-keys/types.js';

/** One or two real invocations per command, shown under its --help and in the full usage. */
const EXAMPLES: readonly string[] = [
  'kosh serve --workers 2',
  'KOSH_DATABASE_URL=postgres://kosh@db/kosh kosh migrate',
  'kosh seed --seed 42 --payments 20000 --months 12',
  'kosh keys create --scopes payments:read,payments:write --name checkout',
  'kosh keys rotate key_… --grace 3600',
  'kosh jobs run billing-run',
  'kosh jobs runs billing-run --limit 5',
  'kosh gst rates list --json',
  "kosh gst rates add --rate-bp 500 --effective-from 2027-04-01 --hsn-sac 996337 --basis 'Notification 9/2027'",
  'kosh train fraud --from 2026-01-01 --to 2026-11-30',
  'kosh train churn --months 9',
  'kosh train forecast',
  'kosh models list --task churn --json',
  "kosh models promote fraud-20261207-k3x9 --force --reason 'approved by risk'",
  'kosh models canary fraud-20261207-k3x9 0.05',
  'kosh evaluate --data creditcard.csv --label Class --drop Time --model gbt --seeds 5',
  'kosh export features --set fraud --out fraud.parquet --from 2026-01-01',
  'kosh ltv fit --transactions purchases.csv --calibration-end 1997-09-30',
  'kosh lake export --from 2026-12-01 --to 2026-12-06',
  'kosh import-duckdb data/kosh.duckdb',
  'kosh doctor --json',
  'kosh forecast evaluate --train m3-train.csv --test m3-test.csv --horizon 18 --season 12',
  'kosh completion bash',
  'kosh razorpay-sim --port 9000',
];

const examplesText = (examples: readonly string[]) => `examples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`;

const EXIT_CODES = `exit codes:
  0  done
  1  the command was refused or failed: a bad or missing value, a check that failed, a row the database refused
  2  an unknown command or option, or a start-up problem to fix (configuration, data dir, port, a database that is
     unreachable or newer than this kosh); every refusal is one line on stderr saying what to fix
`;

/** The command an example runs (the word after `kosh`, past any environment assignments). */
const commandOf = (example: string) => example.split(' ')[example.split(' ').indexOf('kosh') + 1];

export const USAGE = `usage: kosh <command> [options]

commands:
  --version, -v                  print kosh's version
  serve [--workers N]            migrate, seed demo data if KOSH_DEMO=1 and the database is empty, and serve on PORT
                                 with N processes (default KOSH_WORKERS, else the cores; 1 = this process alone);
                                 SIGHUP or SIGUSR2 replaces the workers one at a time (rolling restart)
  migrate                        apply pending migrations
  seed [--seed N] [--payments N] [--months N] [--schools N] [--force]
                                 generate deterministic demo data
  keys create --scopes a,b [--name NAME]
                                 create an API key; the secret is printed once (scopes: ${SCOPES.join(', ')})
  keys list [--all] [--json]     the keys that work (--all: revoked ones too), never their secrets
  keys revoke KEY_ID             revoke a key now; every kosh process refuses it within a second
  keys rotate KEY_ID [--grace SECONDS]
                                 a new key with the same name and scopes; the old one works SECONDS more (default 0)
  jobs list                      every job with its schedule, last run and next run
  jobs run NAME                  run a job now and wait for it (through the running server, if there is one)
  jobs runs NAME [--limit N] [--starting-after RUN_ID]
                                 the runs of a job, newest first
  gst rates list [--json]        the GST rate table: slabs and each HSN/SAC code's rate, by effective day
  gst rates add --rate-bp N --effective-from YYYY-MM-DD --basis TEXT [--hsn-sac CODE] [--effective-until YYYY-MM-DD]
                                 add a row (a change in law), as POST /v1/gst/rates: without --hsn-sac a slab, which
                                 may end (--effective-until); a code's rate must be a slab on its first day
  train fraud [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--seed 42] [--validation-share 0.2]
                                 train a fraud model and register it (through the running server, if there is one)
  models list [--task fraud|churn] [--state S] [--json]
                                 the models of the registry (fraud by default), newest first
  models promote VERSION [--force --reason TEXT]
                                 make a fraud or churn model champion: gated on the same fresh window for both models
                                 (its test window after the champion's data); --force needs a reason, kept in the registry
  models rollback                restore the previous champion
  models canary VERSION SHARE | models canary stop
                                 send SHARE (e.g. 0.05) of customers to a candidate, or stop the canary
  evaluate --data FILE.csv --label COLUMN [--drop COLS] [--model gbt|forest|fraud|logistic|isolation|ml-random-forest]
           [--test-size 0.2] [--seed 42] [--seeds N] [--negative-weight W] [--json]
                                 train a classifier family on a labelled CSV and print ROC-AUC, PR-AUC, accuracy, timings
  export features --set NAME --out FILE.parquet|FILE.arrow [--from YYYY-MM-DD] [--to YYYY-MM-DD]
                                 a feature set (fraud, …) as a training set for notebooks and other tools
  ltv fit --transactions FILE.csv --calibration-end YYYY-MM-DD [--json]
                                 fit BG/NBD and Gamma-Gamma on purchases customer_id,date,amount (weeks)
  lake export --from YYYY-MM-DD --to YYYY-MM-DD [--tables payments,refunds,…]
                                 write those IST days of the lake tables to the analytics bucket as Parquet (replaces them)
  import-duckdb FILE             move a kosh DuckDB database (before PostgreSQL) into this install's empty PostgreSQL,
                                 proving equal row counts per table and equal ledger sums
  doctor [--json]                check config, database and migrations, object store buckets, gateway keys, SMTP;
                                 exits 1 when a check fails
  forecast evaluate --train FILE.csv --test FILE.csv --horizon H --season S [--methods …] [--workers N] [--json]
                                 score ETS, Theta, their combination and seasonal naive on long CSVs (series,t,value), M3 protocol
  forecast convert --format m3|tourism --in WIDE.csv --out LONG.csv
                                 turn the shared datasets' wide files into long CSVs
  train churn [--to YYYY-MM-DD] [--months 9] [--seed 42] [--json]
                                 train the churn model on monthly snapshots (train / calibrate / test months) and register
                                 it (through the running server, if there is one); promote with kosh models promote
  train forecast                 refresh every segment's revenue forecast now (the forecast-refresh job)
  completion bash|zsh            print a shell completion script: eval "$(kosh completion bash)"
  razorpay-sim [--port N] [--key-id ID] [--key-secret S] [--webhook-url URL] [--webhook-secret S]
                                 run the Razorpay-compatible simulator on its own

${examplesText(EXAMPLES)}
${EXIT_CODES}`;

/**
 * The usage of one command: its lines of USAGE (the line naming it and the indented lines under it), or the whole
 * text when the command is unknown.
 */
export function usageOf(command: string): string {
  const lines = USAGE.split('\n');
  const picked: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (/^ {2}\S/.test(line)) inside = line.slice(2).split(/\s/)[0] === command;
    else if (!/^ {3,}\S/.test(line)) inside = false;
    if (inside) picked.push(line);
  }
  if (picked.length === 0) return USAGE;
  const examples = EXAMPLES.filter((e) => commandOf(e) === command);
  return `usage: kosh ${command} [options]\n\n${picked.join('\n')}\n\n${examplesText(examples)}\n${EXIT_CODES}`;
}
