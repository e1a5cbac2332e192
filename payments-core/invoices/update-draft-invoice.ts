import type { Sql } from '../../platform/db.js';
import { conflict, type FieldError, invalid, notFound } from '../../platform/errors.js';
import { checkIfMatch } from '../../platform/etag.js';
import { gstinProblem } from '../../platform/gstin.js';
import { loadGstRates } from '../gst-rates/load-gst-rates.js';
import { INDIAN_STATES } from '../schools/state-codes.js';
import { lineRow } from './create-draft-invoice.js';
import { assertLines, computeLines, type DraftInvoiceLine } from './draft-lines.js';
import type { InvoiceDeps } from './finalize-invoice.js';
import { getInvoice } from './find-invoices.js';
import { documentTotals, documentTypeOf, placeOfSupplyOf, supplyTypeOf } from './gst.js';
import { assertNoProblems, dueDateProblem, totalProblem } from './invoice-rules.js';
import { CUSTOMER_STATES_ONE, INSERT_LINES } from './repository.js';
import type { Invoice, TaxCategory } from './types.js';

export interface DraftInvoicePatch {
  readonly lines?: DraftInvoiceLine[] | undefined;
  readonly customerGstin?: string | null | undefined;
  readonly memo?: string | null | undefined;
  readonly dueAt?: Date | null | undefined;
  readonly templateId?: string | null | undefined;
  readonly autoFinalize?: boolean | undefined;
}

/**
 * Edits a draft: lines (totals recomputed), GSTIN, memo, due date, template. Anything finalised is 409. With
 * `ifMatch` (an ETag from a read), a draft changed since is refused with 412.
 */
export async function updateDraftInvoice(
  deps: InvoiceDeps,
  id: string,
  patch: DraftInvoicePatch,
  ifMatch?: string | undefined,
): Promise<Invoice> {
  const at = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    // The row is read under its lock and every field not in the patch is written back as read here: a concurrent
    // finalisation waits for this edit (or this edit sees it finalised), and two edits of different fields apply
    // one after the other instead of the second writing back the first's old values.
    const row = await tx.one<Record<string, any>>(
      `SELECT status, kind, source, customer_id, supply_type, supplier_state_code, place_of_supply, customer_gstin,
         memo, due_at, template_id, auto_finalize
       FROM invoices WHERE id = $id FOR UPDATE`,
      { id },
    );
    if (row === undefined) throw notFound('invoice', id);
    if (row['status'] !== 'draft') {
      throw conflict('invoice_not_draft', `invoice ${id} is ${row['status']}: a finalised document cannot change`);
    }
    if (patch.lines !== undefined) assertLines(patch.lines, await loadGstRates(tx), at);
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
    if (patch.dueAt !== undefined) assertNoProblems(dueDateProblem(patch.dueAt, at));
    if (ifMatch !== undefined) checkIfMatch(ifMatch, await getInvoice(tx, id), 'invoice', id);
    const pick = <T>(v: T | undefined, current: T): T => (v === undefined ? current : v);
    // A new GSTIN may move the place of supply (its state wins over the address), and with it the tax split.
    let placeOfSupply = String(row['place_of_supply']);
    if (patch.customerGstin !== undefined && patch.customerGstin !== row['customer_gstin']) {
      const customer = await tx.one<{ state_code: string; address_state_code: string | null }>(CUSTOMER_STATES_ONE, {
        id: row['customer_id'],
      });
      placeOfSupply = placeOfSupplyOf({
        gstin: patch.customerGstin,
        addressStateCode: customer?.address_state_code ?? null,
        customerStateCode: INDIAN_STATES[customer?.state_code ?? '']?.gstCode ?? null,
        supplierStateCode: String(row['supplier_state_code']),
      });
    }
    const supply = supplyTypeOf(String(row['supplier_state_code']), placeOfSupply);
    const newLines = patch.lines ?? (supply === row['supply_type'] ? undefined : await currentLines(tx, id));
    const params: Record<string, unknown> = {
      id,
      at,
      customer_gstin: pick(patch.customerGstin, row['customer_gstin']),
      memo: pick(patch.memo, row['memo']),
      due_at: pick(patch.dueAt, row['due_at']),
      template_id: pick(patch.templateId, row['template_id']),
      auto_finalize: pick(patch.autoFinalize, row['auto_finalize']),
    };
    if (newLines !== undefined) {
      const lines = computeLines(newLines, supply);
      const totals = documentTotals(lines);
      if (row['source'] === 'manual') assertNoProblems(totalProblem(totals.totalMinor));
      await tx.run('DELETE FROM invoice_lines WHERE invoice_id = $id', { id });
      await tx.run(INSERT_LINES, { rows: JSON.stringify(lines.map((l) => lineRow(id, l))) });
      await tx.run(
        `UPDATE invoices SET document_type = $document_type, taxable_minor = $taxable, exempt_minor = $exempt,
          cgst_minor = $cgst, sgst_minor = $sgst, igst_minor = $igst, round_off_minor = $round_off, total_minor = $total,
          supply_type = $supply_type, place_of_supply = $place_of_supply
         WHERE id = $id`,
        {
          id,
          supply_type: supply,
          place_of_supply: placeOfSupply,
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

/** A draft's lines as they were handed in, to tax them again for a new supply type. */
async function currentLines(tx: Sql, id: string): Promise<DraftInvoiceLine[]> {
  const rows = await tx.all<Record<string, any>>(
    `SELECT description, quantity, unit_amount_minor, amount_minor, tax_category, gst_rate_bp, hsn_sac, uqc,
       period_start, period_end FROM invoice_lines WHERE invoice_id = $id ORDER BY line_no`,
    { id },
  );
  return rows.map((l) => ({
    description: l['description'],
    quantity: l['quantity'],
    unitAmountMinor: l['unit_amount_minor'],
    amountMinor: l['amount_minor'],
    taxCategory: l['tax_category'] as TaxCategory as DraftInvoiceLine['taxCategory'],
    gstRateBp: l['gst_rate_bp'] ?? null,
    hsnSac: l['hsn_sac'],
    uqc: l['uqc'],
    ...(l['period_start'] === null ? {} : { periodStart: l['period_start'] as Date }),
    ...(l['period_end'] === null ? {} : { periodEnd: l['period_end'] as Date }),
  }));
}
