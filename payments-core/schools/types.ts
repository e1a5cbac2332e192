import type { BillingAddress } from './billing-address.js';

export interface School {
  readonly object: 'school';
  readonly id: string;
  readonly name: string;
  readonly city: string;
  readonly state_code: string;
  readonly gstin: string | null;
  /** Printed on the invoices of its families. */
  readonly billing_address: BillingAddress | null;
  readonly created_at: Date;
}
