import { conflict, type FieldError, invalid, notFound } from '../../platform/errors.js';
import { gstinProblem } from '../../platform/gstin.js';
import { lineRow } from './create-draft-invoice.js';
import { assertLines, computeLines, type DraftInvoiceLine } from './draft-lines.js';
import type { InvoiceDeps } from './finalize-invoice.js';
import { getInvoice } from './find-invoices.js';
import { documentTotals, documentTypeOf } from './gst.js';
import { INSERT_LINES } from './repository.js';
import type { Invoice, SupplyType } from './types.js';

export interface DraftInvoicePatch {
  readonly lines?: DraftInvoiceLine[] | undefined;
  readonly customerGstin?: string | null | undefined;
  readonly memo?: string | null | undefined;
  readonly dueAt?: Date | null | undefined;
  readonly templateId?: string | null | undefined;
  readonly autoFinalize?: boolean | undefined;
}

/** Edits a draft: lines (totals recomputed), GSTIN, memo, due date, template. Anything finalised is 409. */
export async function updateDraftInvoice(deps: InvoiceDeps, id: string, patch: DraftInvoicePatch): Promise<Invoice> {
  const row = await deps.db.one<Record<string, any>>(
    'SELECT status, kind, supply_type, customer_gstin, memo, due_at, template_id, auto_finalize FROM invoices WHERE id = $id',
    { id },
  );
  if (row === undefined) throw notFound('invoice', id);
  if (row['status'] !== 'draft') {
    throw conflict('invoice_not_draft', `invoice ${id} is ${row['status']}: a finalised document cannot change`);
  }
  if (patch.lines !== undefined) assertLines(patch.lines);
  if (patch.customerGstin !== undefined && patch.customerGstin !== null) {
    const problem = gstinProblem(patch.customerGstin);
    if (problem !== null) {
      const f: FieldError = {
        field: '/customer_gstin',
        code: problem === 'format' ? 'invalid_gstin_format' : 'invalid_gstin_check_character',
        message: problem === 'format' ? 'not a GSTIN' : 'the check character does not match',
      };
      throw invalid(f.code, f.message, [f]);
    }
  }
  const at = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    // Locked until commit: a concurrent finalisation waits for this edit, or this edit sees it finalised.
    const still = await tx.one<{ status: string }>('SELECT status FROM invoices WHERE id = $id FOR UPDATE', { id });
    if (still?.status !== 'draft') throw conflict('invoice_not_draft', `invoice ${id} was finalised meanwhile`);
    const pick = <T>(v: T | undefined, current: T): T => (v === undefined ? current : v);
    const params: Record<string, unknown> = {
      id,
      at,
      customer_gstin: pick(patch.customerGstin, row['customer_gstin']),
      memo: pick(patch.memo, row['memo']),
      due_at: pick(patch.dueAt, row['due_at']),
      template_id: pick(patch.templateId, row['template_id']),
      auto_finalize: pick(patch.autoFinalize, row['auto_finalize']),
    };
    if (patch.lines !== undefined) {
      const lines = computeLines(patch.lines, row['supply_type'] as SupplyType);
      const totals = documentTotals(lines);
      await tx.run('DELETE FROM invoice_lines WHERE invoice_id = $id', { id });
      await tx.run(INSERT_LINES, { rows: JSON.stringify(lines.map((l) => lineRow(id, l))) });
      await tx.run(
        `UPDATE invoices SET document_type = $document_type, taxable_minor = $taxable, exempt_minor = $exempt,
          cgst_minor = $cgst, sgst_minor = $sgst, igst_minor = $igst, round_off_minor = $round_off, total_minor = $total
         WHERE id = $id`,
        {
          id,
          document_type: documentTypeOf('invoice', lines),
          taxable: totals.taxableMinor,
          exempt: totals.exemptMinor,
          cgst: totals.cgstMinor,
          sgst: totals.sgstMinor,
          igst: totals.igstMinor,
          round_off: totals.roundOffMinor,
          total: totals.totalMinor,
        },
      );
    }
    await tx.run(
      `UPDATE invoices SET customer_gstin = $customer_gstin, memo = $memo, due_at = $due_at, template_id = $template_id,
        auto_finalize = $auto_finalize, updated_at = $at WHERE id = $id`,
      params,
    );
  });
  return getInvoice(deps.db, id);
}
