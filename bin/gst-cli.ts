import { parseArgs } from 'node:util';
import { addGstRate } from '../payments-core/gst-rates/add-gst-rate.js';
import { listGstRates } from '../payments-core/gst-rates/list-gst-rates.js';
import type { GstRate } from '../payments-core/gst-rates/types.js';
import { systemClock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import { AppError } from '../platform/errors.js';
import { migrate } from '../platform/migrate.js';
import { openDatabase } from '../platform/open-database.js';
import { table } from './text-table.js';

/** The option of `kosh gst rates add` that carries each field of the use case (`POST /v1/gst/rates`). */
const OPTION_OF: Readonly<Record<string, string>> = {
  '/hsn_sac': '--hsn-sac',
  '/rate_bp': '--rate-bp',
  '/effective_from': '--effective-from',
  '/effective_until': '--effective-until',
  '/basis': '--basis',
};

const rateText = (bp: number) => `${bp / 100} %`;
const lineOf = (r: GstRate) => [
  r.hsn_sac ?? 'slab',
  rateText(r.rate_bp),
  r.effective_from,
  r.effective_until ?? '—',
  r.basis,
];

/**
 * `kosh gst rates list [--json]` and `kosh gst rates add --rate-bp N --effective-from DAY --basis TEXT [--hsn-sac CODE]
 * [--effective-until DAY]`: the GST rate table through the same use cases as `GET/POST /v1/gst/rates`, on the
 * database. Bad input gets one line naming the option (exit 2); a row that exists already, one line (exit 1).
 */
export async function runGstCli(argv: string[], config: Config, usage: string): Promise<number> {
  const [group, sub, ...rest] = argv;
  if (group !== 'rates' || (sub !== 'list' && sub !== 'add')) {
    console.error(usage);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options:
      sub === 'list'
        ? { json: { type: 'boolean', default: false } }
        : {
            'hsn-sac': { type: 'string' },
            'rate-bp': { type: 'string' },
            'effective-from': { type: 'string' },
            'effective-until': { type: 'string' },
            basis: { type: 'string' },
          },
  });
  const say = (message: string) => console.error(`kosh gst rates ${sub}: ${message}`);
  const text = (name: string) => {
    const v = values[name as keyof typeof values];
    return typeof v === 'string' ? v : undefined;
  };
  let rateBp = 0;
  if (sub === 'add') {
    for (const required of ['rate-bp', 'effective-from', 'basis']) {
      if (text(required) === undefined) {
        say(`--${required} is required`);
        return 2;
      }
    }
    const raw = text('rate-bp') ?? '';
    if (!/^[0-9]+$/.test(raw)) {
      say(`--rate-bp: basis points, a whole number from 0 to 10000 (500 = 5 %), not '${raw}'`);
      return 2;
    }
    rateBp = Number(raw);
  }
  const database = await openDatabase(config);
  const deps = { db: database.db, clock: systemClock };
  try {
    await migrate(deps.db, systemClock);
    if (sub === 'list') {
      const rates = await listGstRates(deps);
      if (values['json' as keyof typeof values] === true) console.log(JSON.stringify(rates, null, 2));
      else console.log(table(['hsn_sac', 'rate', 'from', 'until', 'basis'], rates.map(lineOf)));
      return 0;
    }
    const row = await addGstRate(deps, {
      hsn_sac: text('hsn-sac'),
      rate_bp: rateBp,
      effective_from: text('effective-from') ?? '',
      effective_until: text('effective-until'),
      basis: text('basis') ?? '',
    });
    console.log(
      `added ${row.id}: ${row.hsn_sac ?? 'slab'} at ${rateText(row.rate_bp)} from ${row.effective_from} (${row.basis})`,
    );
    return 0;
  } catch (err) {
    if (err instanceof AppError) {
      const field = err.fields?.[0];
      const option = field === undefined ? undefined : OPTION_OF[field.field];
      say(option === undefined || field === undefined ? err.message : `${option}: ${field.message}`);
      return err.kind === 'invalid' ? 2 : 1;
    }
    throw err;
  } finally {
    await database.close();
  }
}
