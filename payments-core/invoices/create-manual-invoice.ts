import { invalid } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { createDraftInvoice } from './create-draft-invoice.js';
import type { DraftInvoiceLine } from './draft-lines.js';
import type { InvoiceDeps } from './finalize-invoice.js';
import { getInvoice } from './find-invoices.js';
import type { Invoice } from './types.js';

/** A manual draft for a customer (POST /v1/invoices): the school comes from the customer; never auto-finalised by default. */
export async function createManualInvoice(
  deps: InvoiceDeps,
  input: {
    customerId: string;
    lines: DraftInvoiceLine[];
    customerGstin?: string;
    memo?: string;
    dueAt?: Date;
    templateId?: string;
    autoFinalize?: boolean;
  },
): Promise<Invoice> {
  const customer = await deps.db.one<{ school_id: string }>('SELECT school_id FROM customers WHERE id = $id', {
    id: input.customerId,
  });
  if (customer === undefined) {
    throw invalid('unknown_customer', `no customer with id ${input.customerId}`, [
      { field: '/customer_id', code: 'unknown_customer', message: 'no customer with this id' },
    ]);
  }
  const { id } = await createDraftInvoice(
    deps.db,
    {
      source: 'manual',
      sourceRef: newId('man'),
      customerId: input.customerId,
      schoolId: customer.school_id,
      currency: 'INR',
      lines: input.lines,
      autoFinalize: input.autoFinalize ?? false,
      ...(input.customerGstin === undefined ? {} : { customerGstin: input.customerGstin }),
      ...(input.memo === undefined ? {} : { memo: input.memo }),
      ...(input.dueAt === undefined ? {} : { dueAt: input.dueAt }),
      ...(input.templateId === undefined ? {} : { templateId: input.templateId }),
    },
    deps.clock,
  );
  return getInvoice(deps.db, id);
}
