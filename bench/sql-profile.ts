import { performance } from 'node:perf_hooks';
import type { Db, Params, Sql, Tx } from '../platform/db.js';

interface Stat {
  calls: number;
  rows: number;
  ms: number;
  maxMs: number;
}

/**
 * A `Db` that times every statement it runs (wall time seen by the caller, pool wait included), summed per
 * statement text: a benchmark device to find which statements of a run grow with its size. Never used by kosh.
 */
export function profiledDb(db: Db): { db: Db; report(n: number): string } {
  const stats = new Map<string, Stat>();
  const key = (sql: string) => sql.replace(/\s+/g, ' ').trim().slice(0, 110);
  const record = (sql: string, ms: number, rows: number) => {
    const k = key(sql);
    const s = stats.get(k) ?? { calls: 0, rows: 0, ms: 0, maxMs: 0 };
    s.calls++;
    s.rows += rows;
    s.ms += ms;
    s.maxMs = Math.max(s.maxMs, ms);
    stats.set(k, s);
  };
  const timed = <S extends Sql>(on: S): Sql => ({
    all: async <T>(sql: string, params?: Params) => {
      const t0 = performance.now();
      const rows = await on.all<T>(sql, params);
      record(sql, performance.now() - t0, rows.length);
      return rows;
    },
    one: async <T>(sql: string, params?: Params) => {
      const t0 = performance.now();
      const row = await on.one<T>(sql, params);
      record(sql, performance.now() - t0, row === undefined ? 0 : 1);
      return row;
    },
    run: async (sql: string, params?: Params) => {
      const t0 = performance.now();
      const n = await on.run(sql, params);
      record(sql, performance.now() - t0, n);
      return n;
    },
  });
  const wrapped: Db = {
    ...db,
    ...timed(db),
    location: db.location,
    ping: () => db.ping(),
    close: () => db.close(),
    transaction: (work, options) => {
      const t0 = performance.now();
      return db
        .transaction(
          (tx) =>
            work({
              ...timed(tx),
              copyIn: async (table, columns, rows) => {
                const c0 = performance.now();
                const n = await tx.copyIn(table, columns, rows);
                record(`COPY ${table}`, performance.now() - c0, n);
                return n;
              },
              copyOut: (sql, into) => tx.copyOut(sql, into),
            } satisfies Tx),
          options,
        )
        .finally(() => record('(whole transaction, BEGIN to COMMIT)', performance.now() - t0, 0));
    },
  };
  return {
    db: wrapped,
    report: (n) => {
      const top = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, n);
      return [
        '| total ms | calls | ms/call | max ms | rows | statement |',
        '| ---: | ---: | ---: | ---: | ---: | --- |',
        ...top.map(
          ([sql, s]) =>
            `| ${s.ms.toFixed(0)} | ${s.calls} | ${(s.ms / s.calls).toFixed(2)} | ${s.maxMs.toFixed(1)} | ${s.rows} | \`${sql.replace(/\|/g, '\\|')}\` |`,
        ),
      ].join('\n');
    },
  };
}
