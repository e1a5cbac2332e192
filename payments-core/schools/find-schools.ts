import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { listPage, type Page, type PageQuery } from '../../platform/pagination.js';
import { billingAddressOf } from './billing-address.js';
import { SCHOOL_BY_ID, SCHOOL_COLUMNS, SCHOOL_NAMES } from './repository.js';
import type { School } from './types.js';

/** A row of SCHOOL_COLUMNS as the API shows it: the billing_* columns become one address (or null). */
export function schoolOf(row: Record<string, unknown>): School {
  return {
    object: 'school',
    id: String(row['id']),
    name: String(row['name']),
    city: String(row['city']),
    state_code: String(row['state_code']),
    gstin: (row['gstin'] as string | null) ?? null,
    billing_address: billingAddressOf(row),
    created_at: row['created_at'] as Date,
  };
}

/** One school by id. */
export async function getSchool(deps: { db: Sql }, id: string): Promise<School> {
  const row = await deps.db.one<Record<string, unknown>>(SCHOOL_BY_ID, { id });
  if (row === undefined) throw notFound('school', id);
  return schoolOf(row);
}

/** Schools, newest first. */
export async function listSchools(deps: { db: Sql }, query: PageQuery): Promise<Page<School>> {
  const page = await listPage<Record<string, unknown>>(
    deps.db,
    { select: `${SCHOOL_COLUMNS} {where}`, table: 'schools', resource: 'school' },
    query,
  );
  return { ...page, data: page.data.map(schoolOf) };
}

/** Every school's id and name, by name: for pickers (a few hundred schools at most). */
export function listSchoolNames(deps: { db: Sql }): Promise<{ id: string; name: string }[]> {
  return deps.db.all<{ id: string; name: string }>(SCHOOL_NAMES);
}
