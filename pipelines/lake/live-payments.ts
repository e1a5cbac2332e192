import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { LAKE_BUCKET } from '../lake-export.js';
import { PAYMENT_CHANGES_PREFIX } from './append-payment-changes.js';

const quoted = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const hasParquet = (dir: string): boolean =>
  existsSync(dir) && readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith('.parquet'));

/**
 * DuckDB SQL for the payments as the lake holds them now, over a local object store's root: the nightly
 * partitions (`payments/dt=…`) and the part files appended since (`payments_changes/`), the newest state of each
 * payment (by `updated_at`; a nightly row wins a tie); null while the lake holds no payment file. The same union
 * over `s3://…` globs reads an S3 lake.
 */
export function livePaymentsSql(objectsRoot: string): string | null {
  const lake = path.join(objectsRoot, LAKE_BUCKET);
  const partitions = path.join(lake, 'payments');
  const parts = path.join(lake, PAYMENT_CHANGES_PREFIX);
  const sources = [
    ...(hasParquet(partitions)
      ? [
          `SELECT * EXCLUDE (dt), 1 AS nightly FROM read_parquet(${quoted(`${partitions}/*/*.parquet`)}, hive_partitioning = true, union_by_name = true)`,
        ]
      : []),
    ...(hasParquet(parts)
      ? [
          `SELECT * EXCLUDE (change_xid, change_seq), 0 AS nightly FROM read_parquet(${quoted(`${parts}*.parquet`)}, union_by_name = true)`,
        ]
      : []),
  ];
  if (sources.length === 0) return null;
  return `SELECT * EXCLUDE (nightly) FROM (${sources.join(' UNION ALL BY NAME ')})
QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC, nightly DESC) = 1`;
}
