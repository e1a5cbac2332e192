import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict, type FieldError, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { DAY_MS, IST_OFFSET_MS } from '../../platform/ist.js';
import { allocate, paise } from '../../platform/money.js';
import { INSERT_ORDER } from '../orders/repository.js';
import { PAYMENT_IN_FLIGHT_FOR_ORDER } from '../payments/repository.js';
import { getPlan } from './find-plans.js';
import {
  ACTIVE_PLAN_FOR_ORDER,
  CAPTURED_ON_PLANS_OF_ORDER,
  INSERT_INSTALLMENT,
  INSERT_PLAN,
  ONE_ACTIVE_PLAN_INDEX,
} from './repository.js';
import type { InstallmentPlan } from './types.js';

/** Razorpay's smallest order: every installment is charged through its own gateway order. */
export const MIN_INSTALLMENT_PAISE = 100;

/** Equal (`count`, monthly or weekly from `first_due_at`) or custom (`installments`): exactly one of the two. */
export interface PlanInput {
  readonly count?: number | undefined;
  readonly first_due_at?: string | Date | undefined;
  readonly interval?: 'week' | 'month' | undefined;
  readonly installments?: readonly { readonly amount: number; readonly due_at: string | Date }[] | undefined;
}

/**
 * The due date of installment `k` (0-based): weekly, or on the same IST day of each following month at the same
 * IST time, clamped to a shorter month's last day (31 Jan → 28/29 Feb → 31 Mar). The months are IST's: an
 * instant early on an IST day is still the previous day in UTC.
 */
export function dueDate(first: Date, k: number, interval: 'week' | 'month'): Date {
  if (interval === 'week') return new Date(first.getTime() + k * 7 * DAY_MS);
  // IST wall-clock time read through the UTC accessors; India has no daylight saving, so the shift is exact.
  const d = new Date(first.getTime() + IST_OFFSET_MS);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + k);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return new Date(d.getTime() - IST_OFFSET_MS);
}

/** Equal parts that sum exactly to `total` (the remainder paise go to the first parts). */
export function equalSplit(total: number, count: number): number[] {
  return allocate(
    paise(total),
    Array.from({ length: count }, () => 1),
  );
}

function schedule(total: number, input: PlanInput, now: Date): { amount: number; due_at: Date }[] {
  if ((input.count === undefined) === (input.installments === undefined)) {
    throw invalid('count_or_installments', 'give exactly one of count or installments', [
      { field: '/count', code: 'count_or_installments', message: 'give exactly one of count or installments' },
    ]);
  }
  if (input.installments !== undefined) {
    const custom = input.installments.map((i) => ({ amount: i.amount, due_at: new Date(i.due_at) }));
    const sum = custom.reduce((s, i) => s + i.amount, 0);
    const fields: FieldError[] = [];
    if (sum !== total) {
      fields.push({
        field: '/installments',
        code: 'installments_sum_mismatch',
        message: `installment amounts sum to ${sum}, the order total is ${total}`,
      });
    }
    custom.forEach((i, k) => {
      const previous = custom[k - 1];
      if (previous !== undefined && i.due_at < previous.due_at) {
        fields.push({
          field: `/installments/${k}/due_at`,
          code: 'due_dates_out_of_order',
          message: 'due dates must not go back',
        });
      }
    });
    if (fields.length > 0)
      throw invalid(fields[0]?.code ?? 'invalid_installments', 'the installments do not fit the order', fields);
    return custom;
  }
  const amounts = equalSplit(total, input.count ?? 1);
  if (amounts.some((a) => a < MIN_INSTALLMENT_PAISE)) {
    throw invalid('installment_too_small', `each installment must be at least ${MIN_INSTALLMENT_PAISE} paise`, [
      { field: '/count', code: 'installment_too_small', message: 'too many installments for this total' },
    ]);
  }
  const first = input.first_due_at === undefined ? now : new Date(input.first_due_at);
  return amounts.map((amount, k) => ({ amount, due_at: dueDate(first, k, input.interval ?? 'month') }));
}

/**
 * Splits an unpaid order into installments, equal or custom, with due dates; the parts always sum to the
 * order total. Each installment gets its own kosh order (notes name the parent), charged on its due date
 * by `chargeDueInstallments`; the parent order is paid when the plan is.
 */
export async function createPlan(
  deps: { db: Db; clock: Clock },
  orderId: string,
  input: PlanInput,
): Promise<InstallmentPlan> {
  const planId = newId('ipl');
  await deps.db.transaction(async (tx) => {
    const order = await tx.one<{
      id: string;
      customer_id: string;
      school_id: string;
      amount_minor: number;
      currency: string;
      status: string;
    }>('SELECT id, customer_id, school_id, amount_minor, currency, status FROM orders WHERE id = $id', { id: orderId });
    if (order === undefined) throw notFound('order', orderId);
    if (order.status === 'paid') throw conflict('order_already_paid', `order ${orderId} is already paid`);
    const existing = await tx.one<{ id: string }>(ACTIVE_PLAN_FOR_ORDER, { order_id: orderId });
    if (existing !== undefined) {
      throw conflict('installment_plan_exists', `order ${orderId} already has plan ${existing.id}`, {
        plan_id: existing.id,
      });
    }
    const inFlight = await tx.one<{ id: string }>(PAYMENT_IN_FLIGHT_FOR_ORDER, { order_id: orderId });
    if (inFlight !== undefined) {
      throw conflict('payment_in_progress', `order ${orderId} has payment ${inFlight.id} in flight`, {
        payment_id: inFlight.id,
      });
    }
    // A cancelled plan's captured installments count towards the order: a new plan splits only the rest.
    const captured =
      (await tx.one<{ captured: number }>(CAPTURED_ON_PLANS_OF_ORDER, { order_id: orderId }))?.captured ?? 0;
    const total = order.amount_minor - captured;
    if (total <= 0) throw conflict('nothing_due', `order ${orderId} was paid in full by its installments`);
    const at = deps.clock.now();
    const parts = schedule(total, input, at);
    await tx
      .run(INSERT_PLAN, {
        id: planId,
        order_id: orderId,
        customer_id: order.customer_id,
        school_id: order.school_id,
        amount: total,
        currency: order.currency,
        at,
      })
      .catch((err: unknown) => {
        // Another request made a plan for this order after the check above, and committed first.
        const e = err as { code?: string; constraint?: string };
        if (e.code === '23505' && e.constraint === ONE_ACTIVE_PLAN_INDEX) {
          throw conflict('installment_plan_exists', `order ${orderId} already has a plan`);
        }
        throw err;
      });
    for (const [k, part] of parts.entries()) {
      const installmentId = newId('ins');
      const childOrderId = newId('ord');
      await tx.run(INSERT_ORDER, {
        id: childOrderId,
        customer_id: order.customer_id,
        amount: part.amount,
        currency: order.currency,
        description: `installment ${k + 1} of ${parts.length} for ${orderId}`,
        notes: { parent_order_id: orderId, installment_id: installmentId, plan_id: planId },
        at,
      });
      await tx.run(INSERT_INSTALLMENT, {
        id: installmentId,
        plan_id: planId,
        seq: k + 1,
        kind: 'scheduled',
        order_id: childOrderId,
        amount: part.amount,
        currency: order.currency,
        due_at: part.due_at,
        status: 'scheduled',
        attempts: 0,
        last_payment_id: null,
        at,
      });
    }
  });
  return getPlan(deps, planId);
}
