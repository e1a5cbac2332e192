import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { exportFeatures, type FeatureFormat } from '../features/export-features.js';
import { FEATURE_SETS } from '../features/feature-sets.js';
import type { Config } from '../platform/config.js';
import { AppError } from '../platform/errors.js';
import { openDatabase } from '../platform/open-database.js';
import { connectToServer } from './server-client.js';

class ExportCliError extends Error {}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `kosh export features --set NAME --out FILE.parquet|FILE.arrow [--from YYYY-MM-DD] [--to YYYY-MM-DD]`: a training
 * set for notebooks and other tools, through the running server when there is one, else from the database
 * directly.
 */
export async function runExportCli(argv: string[], config: Config, usage: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { set: { type: 'string' }, out: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
  });
  if (
    positionals[0] !== 'features' ||
    positionals.length !== 1 ||
    values.set === undefined ||
    values.out === undefined
  ) {
    console.error(usage);
    return 1;
  }
  if (FEATURE_SETS[values.set] === undefined) {
    console.error(`--set must be one of: ${Object.keys(FEATURE_SETS).join(', ')}`);
    return 1;
  }
  const format: FeatureFormat | null = values.out.endsWith('.parquet')
    ? 'parquet'
    : values.out.endsWith('.arrow')
      ? 'arrow'
      : null;
  if (format === null) {
    console.error('--out must end in .parquet or .arrow');
    return 1;
  }
  for (const name of ['from', 'to'] as const) {
    const v = values[name];
    if (v !== undefined && (!DAY.test(v) || Number.isNaN(Date.parse(v)))) {
      console.error(`--${name} must be a date YYYY-MM-DD (UTC midnight), got "${v}"`);
      return 1;
    }
  }
  try {
    const server = await connectToServer(config, { fail: (m) => new ExportCliError(m) });
    let rows: number;
    let bytes: Uint8Array;
    if (server !== null) {
      const query = new URLSearchParams({ format });
      if (values.from !== undefined) query.set('from', values.from);
      if (values.to !== undefined) query.set('to', values.to);
      const res = await server.download(`/features/${encodeURIComponent(values.set)}/export?${query}`);
      bytes = res.bytes;
      rows = Number(res.headers.get('x-kosh-rows'));
    } else {
      const database = await openDatabase(config);
      const db = database.db;
      try {
        const window = {
          from: values.from === undefined ? undefined : new Date(values.from),
          to: values.to === undefined ? undefined : new Date(values.to),
        };
        ({ bytes, rows } = await exportFeatures({ db }, { set: values.set, format, ...window }));
      } finally {
        await database.close();
      }
    }
    await writeFile(values.out, bytes);
    console.log(
      `wrote ${rows} rows of feature set ${values.set} to ${values.out} (${bytes.byteLength} bytes, ${format})`,
    );
    return 0;
  } catch (err) {
    if (err instanceof ExportCliError || err instanceof AppError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
}
