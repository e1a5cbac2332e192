import type { Params, Sql } from '../../platform/db.js';
import type { PaymentSetSql } from './repository.js';

/**
 * Stores the gateway's answers on a set of payments inside the caller's transaction, in one statement
 * (`storePaymentOutcomesSql`); a payment a webhook or the resolver already settled is left alone. Returns the
 * payments changed.
 */
export async function storePaymentOutcomes(
  tx: Sql,
  statement: PaymentSetSql<'outcome'>,
  params: Params,
): Promise<number> {
  return tx.run(statement, params);
}
