/**
 * Concurrency: a school is inserted once under its primary key and never updated, so concurrent writers never meet on
 * a row.
 */
export const SCHOOL_COLUMNS = `SELECT 'school' AS object, t.id, t.name, t.city, t.state_code, t.gstin, t.created_at FROM schools t`;
export const INSERT_SCHOOL = `
INSERT INTO schools (id, name, city, state_code, gstin, created_at) VALUES ($id, $name, $city, $state_code, $gstin, $at)`;
export const SCHOOL_BY_ID = `${SCHOOL_COLUMNS} WHERE t.id = $id`;

export const SCHOOL_NAMES = 'SELECT id, name FROM schools ORDER BY name, id';
