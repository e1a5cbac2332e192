import type { Params, Sql } from './db.js';
import { invalid } from './errors.js';

export interface PageQuery {
  readonly limit?: number | undefined;
  readonly starting_after?: string | undefined;
}

export interface Page<T> {
  readonly object: 'list';
  readonly data: T[];
  readonly has_more: boolean;
}

/**
 * Cursor pagination, newest first, on (created_at, id) or another time column. `select` is a constant SQL text selecting from a
 * table aliased `t` with a `{where}` placeholder for the caller's constant filter; values travel as params.
 */
export async function listPage<T>(
  db: Sql,
  spec: { select: string; table: string; where?: string; params?: Params; resource: string; timeColumn?: string },
  query: PageQuery,
): Promise<Page<T>> {
  const limit = query.limit ?? 10;
  const time = spec.timeColumn ?? 'created_at';
  const conditions = spec.where === undefined ? [] : [spec.where];
  const params: Record<string, unknown> = { ...spec.params, limit: limit + 1 };
  if (query.starting_after !== undefined) {
    const cursor = await db.one<{ created_at: Date; id: string }>(
      `SELECT ${time} AS created_at, id FROM ${spec.table} WHERE id = $cursor_id`,
      { cursor_id: query.starting_after },
    );
    if (cursor === undefined) {
      throw invalid('invalid_cursor', `starting_after: no ${spec.resource} with id ${query.starting_after}`, [
        { field: '/starting_after', code: 'invalid_cursor', message: `no ${spec.resource} with this id` },
      ]);
    }
    conditions.push(`(t.${time}, t.id) < ($cursor_at, $cursor_id)`);
    params['cursor_at'] = cursor.created_at;
    params['cursor_id'] = cursor.id;
  }
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  const rows = await db.all<T>(
    `${spec.select.replace('{where}', where)} ORDER BY t.${time} DESC, t.id DESC LIMIT $limit`,
    params,
  );
  return { object: 'list', data: rows.slice(0, limit), has_more: rows.length > limit };
}
