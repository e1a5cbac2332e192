import { type FieldError, invalid } from '../../platform/errors.js';
import { istDate } from '../../platform/ist.js';

/**
 * The rules a document must meet to be issued, shared by creation, edits and finalisation. Dates are compared as
 * Asia/Kolkata calendar days: the due date may be the issue date, never a day before it.
 */
export function dueDateProblem(dueAt: Date | null | undefined, issuedAt: Date, field = '/due_at'): FieldError | null {
  if (dueAt === null || dueAt === undefined) return null;
  if (istDate(dueAt) >= istDate(issuedAt)) return null;
  return {
    field,
    code: 'due_before_issue',
    message: `the due date ${istDate(dueAt)} is before the issue date ${istDate(issuedAt)}`,
  };
}

/** An invoice asks for money: a total of zero or less is refused (a reduction is a credit note against an invoice). */
export function totalProblem(totalMinor: number, field = '/lines'): FieldError | null {
  if (totalMinor > 0) return null;
  return {
    field,
    code: 'non_positive_total',
    message: `the invoice total is ${totalMinor} paise: an invoice must ask for more than zero; reductions are credit notes`,
  };
}

/** Throws 422 with every problem given (nulls skipped), naming the first in the detail. */
export function assertNoProblems(...problems: (FieldError | null)[]): void {
  const fields = problems.filter((p): p is FieldError => p !== null);
  const first = fields[0];
  if (first !== undefined) throw invalid(first.code, `${first.field}: ${first.message}`, fields);
}
