import type { Clock } from '../../platform/clock.js';
import type { Db, Sql } from '../../platform/db.js';
import { invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { istDate } from '../../platform/ist.js';
import { ensureGatewayCustomer } from '../customers/ensure-gateway-customer.js';
import { CUSTOMER_BY_ID, CUSTOMER_FOR_UPDATE } from '../customers/repository.js';
import type { PaymentGateway } from '../gateway/port.js';
import { clockOfCustomer } from '../test-clocks/clock-of-customer.js';
import {
  CLEAR_DEFAULT,
  INSERT_PAYMENT_METHOD,
  LIVE_METHOD_COUNT,
  METHOD_TOKEN,
  NEWEST_LIVE_METHOD,
  PAYMENT_METHOD_BY_ID,
  PAYMENT_METHOD_COLUMNS,
  SET_DEFAULT,
  SOFT_DELETE,
  UPDATE_EXPIRY,
} from './repository.js';
import type { PaymentMethod, PaymentMethodInput } from './types.js';

type Deps = { db: Db; clock: Clock };
type SaveDeps = Deps & { gateway: PaymentGateway };

/** `ravi.kumar@okicici` → `ra•••••••@okicici`: enough for a parent to recognise, not to reuse. */
export function maskVpa(vpa: string): string {
  const [user = '', handle = ''] = vpa.split('@');
  return `${user.slice(0, 2)}${'•'.repeat(Math.max(user.length - 2, 3))}@${handle}`;
}

async function requireCustomer(db: Sql, customerId: string): Promise<void> {
  if ((await db.one(CUSTOMER_BY_ID, { id: customerId })) === undefined) throw notFound('customer', customerId);
}

/** Locks the customer for a change to their methods; false when there is no such customer. */
async function lockCustomer(tx: Sql, customerId: string): Promise<boolean> {
  return (await tx.one(CUSTOMER_FOR_UPDATE, { id: customerId })) !== undefined;
}

function checkDisplayData(input: PaymentMethodInput): void {
  const fields: { field: string; code: string; message: string }[] = [];
  if (input.type === 'card') {
    if (input.card_last4 === undefined)
      fields.push({ field: '/card_last4', code: 'required', message: 'cards need last4' });
    if (input.card_exp_month === undefined || input.card_exp_year === undefined) {
      fields.push({ field: '/card_exp_month', code: 'required', message: 'cards need an expiry month and year' });
    }
  }
  if (input.type === 'upi' && input.upi_vpa === undefined) {
    fields.push({ field: '/upi_vpa', code: 'required', message: 'UPI methods need the VPA' });
  }
  if (input.type === 'netbanking' && input.bank === undefined) {
    fields.push({ field: '/bank', code: 'required', message: 'netbanking methods need the bank' });
  }
  if (input.type === 'wallet' && input.wallet === undefined) {
    fields.push({ field: '/wallet', code: 'required', message: 'wallet methods need the wallet' });
  }
  if (input.mandate_type === 'upi_autopay' && input.type !== 'upi') {
    fields.push({
      field: '/mandate_type',
      code: 'mandate_type_mismatch',
      message: 'UPI AutoPay mandates are UPI methods',
    });
  }
  if (input.mandate_type === 'emandate' && input.type !== 'netbanking' && input.type !== 'card') {
    fields.push({
      field: '/mandate_type',
      code: 'mandate_type_mismatch',
      message: 'e-mandates are on bank accounts (netbanking) or cards',
    });
  }
  if (fields.length > 0) throw invalid('invalid_payment_method', 'payment method display data is incomplete', fields);
}

/**
 * A card is good through the last day of its expiry month; past it, no charge can succeed, so it is not saved (an
 * expiry update to a past month is refused the same way). Months are counted on the IST calendar.
 */
function refuseExpired(month: number | null | undefined, year: number | null | undefined, now: Date): void {
  if (month == null || year == null) return;
  const [thisYear, thisMonth] = istDate(now).split('-').map(Number) as [number, number];
  if (year < thisYear || (year === thisYear && month < thisMonth)) {
    throw invalid('card_expired', `the card expired at the end of ${String(month).padStart(2, '0')}/${year}`, [
      { field: '/card_exp_year', code: 'card_expired', message: 'the card is past its expiry month' },
    ]);
  }
}

/**
 * Saves a gateway token with its display data; the first method, or one marked default, becomes the default. A token
 * (anything but a UPI VPA) must be one of the customer's gateway customer's tokens (Razorpay charges a token only
 * with its `customer_id`): it is looked up at the gateway, and its card details there are the ones kept.
 */
export async function createPaymentMethod(
  deps: SaveDeps,
  customerId: string,
  input: PaymentMethodInput,
): Promise<PaymentMethod> {
  checkDisplayData(input);
  const saved = input.type === 'upi' ? input : await withGatewayToken(deps, customerId, input);
  return saveMethod(deps, customerId, saved);
}

/** The input with the card details the gateway holds for its token; 422 when the token is not the customer's. */
async function withGatewayToken(
  deps: SaveDeps,
  customerId: string,
  input: PaymentMethodInput,
): Promise<PaymentMethodInput> {
  const gatewayCustomerId = await ensureGatewayCustomer(deps, customerId);
  const token = await deps.gateway.fetchToken(gatewayCustomerId, input.gateway_token);
  if (token === null) {
    throw invalid('unknown_gateway_token', "the token is not one of this customer's at the gateway", [
      {
        field: '/gateway_token',
        code: 'unknown_gateway_token',
        message: `not a token of gateway customer ${gatewayCustomerId}`,
      },
    ]);
  }
  return {
    ...input,
    card_network: token.cardNetwork ?? input.card_network,
    card_last4: token.cardLast4 ?? input.card_last4,
    card_exp_month: token.cardExpMonth ?? input.card_exp_month,
    card_exp_year: token.cardExpYear ?? input.card_exp_year,
  };
}

async function saveMethod(deps: Deps, customerId: string, input: PaymentMethodInput): Promise<PaymentMethod> {
  if (input.type === 'card') refuseExpired(input.card_exp_month, input.card_exp_year, deps.clock.now());
  const id = newId('pm');
  return deps.db.transaction(async (tx) => {
    if (!(await lockCustomer(tx, customerId))) throw notFound('customer', customerId);
    const at = (await clockOfCustomer({ db: tx, clock: deps.clock }, customerId)).now();
    const count = (await tx.one<{ n: number }>(LIVE_METHOD_COUNT, { customer_id: customerId }))?.n ?? 0;
    const isDefault = count === 0 || input.is_default === true;
    // The UPI VPA is the instrument the gateway collects from, so it is the token; only a mask is shown.
    const token = input.type === 'upi' && input.upi_vpa !== undefined ? input.upi_vpa : input.gateway_token;
    await tx.run(INSERT_PAYMENT_METHOD, {
      id,
      customer_id: customerId,
      type: input.type,
      gateway_token: token,
      card_network: input.card_network ?? null,
      card_last4: input.card_last4 ?? null,
      card_exp_month: input.card_exp_month ?? null,
      card_exp_year: input.card_exp_year ?? null,
      upi_vpa_masked: input.upi_vpa === undefined ? null : maskVpa(input.upi_vpa),
      bank: input.bank ?? null,
      wallet: input.wallet ?? null,
      mandate_type: input.mandate_type ?? null,
      is_default: isDefault,
      at,
    });
    if (isDefault) await tx.run(CLEAR_DEFAULT, { customer_id: customerId, id, at });
    const method = await tx.one<PaymentMethod>(PAYMENT_METHOD_BY_ID, { id, customer_id: customerId });
    if (method === undefined) throw new Error('payment method vanished after insert');
    return method;
  });
}

/** Makes a method the default, or updates a card's expiry. */
export async function updatePaymentMethod(
  deps: Deps,
  customerId: string,
  id: string,
  input: { is_default?: boolean | undefined; card_exp_month?: number | undefined; card_exp_year?: number | undefined },
): Promise<PaymentMethod> {
  return deps.db.transaction(async (tx) => {
    const method = (await lockCustomer(tx, customerId))
      ? await tx.one<PaymentMethod>(PAYMENT_METHOD_BY_ID, { id, customer_id: customerId })
      : undefined;
    if (method === undefined) throw notFound('payment_method', id);
    if (input.is_default === true && method.status !== 'active') {
      throw invalid('payment_method_not_active', 'only an active method can be the default', [
        { field: '/is_default', code: 'payment_method_not_active', message: `the method is ${method.status}` },
      ]);
    }
    if (input.is_default === false && method.is_default) {
      throw invalid('default_required', 'make another method the default instead', [
        { field: '/is_default', code: 'default_required', message: 'a customer with methods keeps one default' },
      ]);
    }
    const expiryChange = input.card_exp_month !== undefined || input.card_exp_year !== undefined;
    if (expiryChange && method.type !== 'card') {
      throw invalid('not_a_card', 'only cards have an expiry', [
        { field: '/card_exp_month', code: 'not_a_card', message: 'only cards have an expiry' },
      ]);
    }
    const at = deps.clock.now();
    if (expiryChange) {
      refuseExpired(input.card_exp_month ?? method.card_exp_month, input.card_exp_year ?? method.card_exp_year, at);
      await tx.run(UPDATE_EXPIRY, {
        id,
        month: input.card_exp_month ?? method.card_exp_month,
        year: input.card_exp_year ?? method.card_exp_year,
        at,
      });
    }
    if (input.is_default === true) {
      await tx.run(SET_DEFAULT, { id, at });
      await tx.run(CLEAR_DEFAULT, { customer_id: customerId, id, at });
    }
    const updated = await tx.one<PaymentMethod>(PAYMENT_METHOD_BY_ID, { id, customer_id: customerId });
    if (updated === undefined) throw notFound('payment_method', id);
    return updated;
  });
}

/**
 * Removes a method; when it was the default, the newest remaining one takes over. Its token is deleted at the gateway
 * first (a UPI AutoPay mandate is then cancelled, so the bank stops holding it and Razorpay debits nothing more; a
 * saved card is forgotten there too): a gateway that does not answer leaves the method as it was (503, retry). A plain
 * VPA or a registration never confirmed has no token to delete.
 */
export async function deletePaymentMethod(deps: SaveDeps, customerId: string, id: string): Promise<PaymentMethod> {
  const token = await deps.db.one<{ gateway_token: string | null; gateway_customer_id: string | null }>(METHOD_TOKEN, {
    id,
    customer_id: customerId,
  });
  if (token?.gateway_token && token.gateway_customer_id !== null && !token.gateway_token.includes('@')) {
    await deps.gateway.deleteToken(token.gateway_customer_id, token.gateway_token);
  }
  return deps.db.transaction(async (tx) => {
    const method = (await lockCustomer(tx, customerId))
      ? await tx.one<PaymentMethod>(PAYMENT_METHOD_BY_ID, { id, customer_id: customerId })
      : undefined;
    if (method === undefined) throw notFound('payment_method', id);
    const at = deps.clock.now();
    await tx.run(SOFT_DELETE, { id, at });
    if (method.is_default) {
      const next = await tx.one<{ id: string }>(NEWEST_LIVE_METHOD, { customer_id: customerId });
      if (next !== undefined) await tx.run(SET_DEFAULT, { id: next.id, at });
    }
    return { ...method, is_default: false, updated_at: at };
  });
}

/** A customer's live methods, newest first, the default among them. */
export async function listPaymentMethods(deps: { db: Sql }, customerId: string): Promise<PaymentMethod[]> {
  await requireCustomer(deps.db, customerId);
  return deps.db.all<PaymentMethod>(
    `${PAYMENT_METHOD_COLUMNS} WHERE t.customer_id = $customer_id AND t.deleted_at IS NULL ORDER BY t.created_at DESC, t.id DESC`,
    { customer_id: customerId },
  );
}
