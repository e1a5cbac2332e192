/**
 * Concurrency: status only moves forward in one guarded UPDATE, of one order or a set (advance-order.ts,
 * advance-orders.ts); the gateway order id is set once (`WHERE gateway_order_id IS NULL`); an order of a set is
 * inserted once by its id (`ON CONFLICT (id) DO NOTHING`); a payment is started under the order's row lock (`ORDER_FOR_UPDATE`).
 */
/** The order as the API shows it, over `orders t`: also the RETURNING list of a write that answers with the order. */
const ORDER_FIELDS = `'order' AS object, t.id, t.customer_id, t.school_id, t.amount_minor AS amount, t.currency, t.status,
       t.description, t.gateway_order_id,
       (coalesce((SELECT sum(p.captured_minor) FROM payments p WHERE p.order_id = t.id), 0)
        + coalesce((SELECT sum(p.captured_minor) FROM installment_plans ip JOIN installments i ON i.plan_id = ip.id
                    JOIN payments p ON p.order_id = i.order_id WHERE ip.order_id = t.id), 0))::BIGINT AS amount_paid,
       (SELECT max(ip.id) FROM installment_plans ip WHERE ip.order_id = t.id AND ip.status <> 'cancelled') AS installment_plan_id,
       t.created_at, t.updated_at`;
export const ORDER_COLUMNS = `
SELECT ${ORDER_FIELDS}
FROM orders t`;
export const ORDER_BY_ID = `${ORDER_COLUMNS} WHERE t.id = $id`;
/** The order being charged, locked: two requests cannot both find no payment in flight and both charge. */
export const ORDER_FOR_UPDATE = `
SELECT id, customer_id, school_id, amount_minor, currency, status, gateway_order_id FROM orders WHERE id = $id FOR UPDATE`;
export const ORDER_BY_GATEWAY_ID = `${ORDER_COLUMNS} WHERE t.gateway_order_id = $gateway_order_id`;
/** Inserts the order for a customer, at the customer's school; nothing (0 rows) when there is no such customer. */
/** The customer, if erased (kosh makes nothing new for an erased customer). */
export const CUSTOMER_ERASED = 'SELECT erased_at FROM customers WHERE id = $id AND erased_at IS NOT NULL';
export const INSERT_ORDER = `
INSERT INTO orders (id, customer_id, school_id, amount_minor, currency, status, description, notes, created_at, updated_at)
SELECT $id::VARCHAR, c.id, c.school_id, $amount::BIGINT, $currency::VARCHAR, 'created', $description::VARCHAR, $notes::JSON,
  $at::TIMESTAMPTZ, $at::TIMESTAMPTZ
FROM customers c WHERE c.id = $customer_id`;
/**
 * `INSERT_ORDER` for a customer not erased, answering with what the order's gateway order needs (`OrderForGateway`).
 * The customer's row is key-share-locked: an order racing an erasure (which holds the row `FOR UPDATE`) waits for
 * it, then sees `erased_at` and inserts nothing. The weakest lock that does so: it does not wait for, nor hold up,
 * other writes of the row (`UPDATE`s that change no key, e.g. its gateway customer id). Hazard: this holds only
 * while every write of `erased_at` first takes `FOR UPDATE`; a plain `UPDATE` would not make it wait.
 */
export const INSERT_ORDER_RETURNING = `${INSERT_ORDER} AND c.erased_at IS NULL FOR KEY SHARE OF c
RETURNING id, customer_id, school_id, amount_minor, currency, gateway_order_id`;
/** What making the order's gateway order needs. */
export const ORDER_FOR_GATEWAY = `
SELECT id, customer_id, school_id, amount_minor, currency, gateway_order_id FROM orders WHERE id = $id`;
export const GATEWAY_ORDER_OF = 'SELECT gateway_order_id FROM orders WHERE id = $id';
export const SET_GATEWAY_ORDER = `
UPDATE orders SET gateway_order_id = $gateway_order_id, updated_at = $at WHERE id = $id AND gateway_order_id IS NULL`;
/** Replaces the order's gateway order with one for what is still due, unless another request replaced it first. */
export const REPLACE_GATEWAY_ORDER = `
UPDATE orders SET gateway_order_id = $gateway_order_id, updated_at = $at
WHERE id = $id AND gateway_order_id IS NOT DISTINCT FROM $previous`;
/** `SET_GATEWAY_ORDER` answering with the order as the API shows it (`ORDER_BY_ID`), when it set the id. */
export const SET_GATEWAY_ORDER_RETURNING_ORDER = `
UPDATE orders t SET gateway_order_id = $gateway_order_id, updated_at = $at WHERE t.id = $id AND t.gateway_order_id IS NULL
RETURNING ${ORDER_FIELDS}`;

declare const orderSetBrand: unique symbol;
/** A set-wise write of orders (`K`) built here from a caller's source SELECT; only its entry point runs it. */
export type OrderSetSql<K extends 'insert' | 'gateway_order' | 'advance'> = string & { readonly [orderSetBrand]: K };

/**
 * The set-based writes of orders (the billing run: a chunk of records at a time), one statement per set. `source` is
 * a constant SELECT of the caller, parameterized (`$name`), giving one row per order; parameters inside it must be
 * typed by a cast where no column gives their type (`$now::timestamptz`).
 *
 * Inserts the orders of `source` (`id, customer_id, school_id, amount_minor, currency, description, at`) as
 * `created`; an order that exists already (a rerun, a retry of the same record) is left alone.
 */
export function insertOrdersSql(source: string): OrderSetSql<'insert'> {
  return `
INSERT INTO orders (id, customer_id, school_id, amount_minor, currency, status, description, gateway_order_id, notes,
  created_at, updated_at)
SELECT src.id, src.customer_id, src.school_id, src.amount_minor, src.currency, 'created', src.description, NULL, NULL,
       src.at, src.at
FROM (${source}) src
ON CONFLICT (id) DO NOTHING` as OrderSetSql<'insert'>;
}

/** Sets the gateway order id of each order of `source` (`order_id, gateway_order_id, at`) that has none yet. */
export function setGatewayOrdersSql(source: string): OrderSetSql<'gateway_order'> {
  return `
UPDATE orders SET gateway_order_id = src.gateway_order_id, updated_at = src.at
FROM (${source}) src
WHERE orders.id = src.order_id AND orders.gateway_order_id IS NULL AND src.gateway_order_id IS NOT NULL` as OrderSetSql<'gateway_order'>;
}

/**
 * Moves each order of `source` (`order_id, status, at`; status `attempted` or `paid`) forward only: to paid unless
 * paid already, to attempted only from created.
 */
export function advanceOrdersSql(source: string): OrderSetSql<'advance'> {
  return `
UPDATE orders SET status = src.status, updated_at = src.at
FROM (${source}) src
WHERE orders.id = src.order_id AND orders.status <> 'paid' AND (src.status = 'paid' OR orders.status = 'created')` as OrderSetSql<'advance'>;
}
