import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { listPage, type Page, type PageQuery } from '../../platform/pagination.js';
import { SCHOOL_BY_ID, SCHOOL_COLUMNS, SCHOOL_NAMES } from './repository.js';
import type { School } from './types.js';

/** One school by id. */
export async function getSchool(deps: { db: Sql }, id: string): Promise<School> {
  const school = await deps.db.one<School>(SCHOOL_BY_ID, { id });
  if (school === undefined) throw notFound('school', id);
  return school;
}

/** Schools, newest first. */
export function listSchools(deps: { db: Sql }, query: PageQuery): Promise<Page<School>> {
  return listPage<School>(
    deps.db,
    { select: `${SCHOOL_COLUMNS} {where}`, table: 'schools', resource: 'school' },
    query,
  );
}

/** Every school's id and name, by name: for pickers (a few hundred schools at most). */
export function listSchoolNames(deps: { db: Sql }): Promise<{ id: string; name: string }[]> {
  return deps.db.all<{ id: string; name: string }>(SCHOOL_NAMES);
}
