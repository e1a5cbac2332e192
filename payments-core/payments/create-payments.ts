import type { Params, Sql } from '../../platform/db.js';
import type { PaymentSetSql } from './repository.js';

/**
 * Creates a set of local payments before the gateway is called, inside the caller's transaction, in one statement
 * (`insertPaymentsSql`, built once by the caller from its constant source); a payment that exists already is left
 * alone. Returns the payments written.
 */
export async function createPayments(tx: Sql, statement: PaymentSetSql<'insert'>, params: Params): Promise<number> {
  return tx.run(statement, params);
}
