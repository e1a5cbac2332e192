import type { BillingAddress } from '../schools/billing-address.js';

export interface Customer {
  readonly object: 'customer';
  readonly id: string;
  readonly school_id: string;
  readonly name: string;
  readonly email: string;
  readonly phone: string;
  readonly state_code: string;
  /** A registered recipient's GSTIN: their invoices carry it, and its state is the place of supply. */
  readonly gstin: string | null;
  /** Printed on their invoices; required before an invoice to them with a GSTIN is finalised. */
  readonly billing_address: BillingAddress | null;
  /** The test clock the customer (and everything of theirs) lives on; null: the wall clock. */
  readonly test_clock: string | null;
  readonly created_at: Date;
}
