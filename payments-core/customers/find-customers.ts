import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { listPage, type Page, type PageQuery } from '../../platform/pagination.js';
import { billingAddressOf } from '../schools/billing-address.js';
import { CUSTOMER_BY_ID, CUSTOMER_COLUMNS } from './repository.js';
import type { Customer } from './types.js';

/** A row of CUSTOMER_COLUMNS as the API shows it: the flat billing_* columns become one address (or null). */
export function customerOf(row: Record<string, unknown>): Customer {
  return {
    object: 'customer',
    id: String(row['id']),
    school_id: String(row['school_id']),
    name: String(row['name']),
    email: String(row['email']),
    phone: String(row['phone']),
    state_code: String(row['state_code']),
    gstin: (row['gstin'] as string | null) ?? null,
    billing_address: billingAddressOf(row),
    test_clock: (row['test_clock'] as string | null) ?? null,
    created_at: row['created_at'] as Date,
  };
}

/** One customer by id. */
export async function getCustomer(deps: { db: Sql }, id: string): Promise<Customer> {
  const row = await deps.db.one<Record<string, unknown>>(CUSTOMER_BY_ID, { id });
  if (row === undefined) throw notFound('customer', id);
  return customerOf(row);
}

/** Customers, newest first, optionally of one school. */
export async function listCustomers(
  deps: { db: Sql },
  query: PageQuery & { school_id?: string | undefined },
): Promise<Page<Customer>> {
  const page = await listPage<Record<string, unknown>>(
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
  return { ...page, data: page.data.map(customerOf) };
}
