import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { listPage, type Page, type PageQuery } from '../../platform/pagination.js';
import { CUSTOMER_BY_ID, CUSTOMER_COLUMNS } from './repository.js';
import type { Customer } from './types.js';

/** One customer by id. */
export async function getCustomer(deps: { db: Sql }, id: string): Promise<Customer> {
  const customer = await deps.db.one<Customer>(CUSTOMER_BY_ID, { id });
  if (customer === undefined) throw notFound('customer', id);
  return customer;
}

/** Customers, newest first, optionally of one school. */
export function listCustomers(
  deps: { db: Sql },
  query: PageQuery & { school_id?: string | undefined },
): Promise<Page<Customer>> {
  return listPage<Customer>(
    deps.db,
    {
      select: `${CUSTOMER_COLUMNS} {where}`,
      table: 'customers',
      resource: 'customer',
      ...(query.school_id === undefined
        ? {}
        : { where: 't.school_id = $school_id', params: { school_id: query.school_id } }),
    },
    query,
  );
}
