export const PAYMENT_METHOD_TYPES = ['card', 'upi', 'netbanking', 'wallet'] as const;
export type PaymentMethodType = (typeof PAYMENT_METHOD_TYPES)[number];

/** A recurring-debit mandate behind the token: UPI AutoPay (a UPI method) or an e-mandate (bank account or card). */
export const MANDATE_TYPES = ['upi_autopay', 'emandate'] as const;
export type MandateType = (typeof MANDATE_TYPES)[number];

export const PAYMENT_METHOD_STATUSES = ['pending', 'active', 'rejected', 'paused', 'cancelled', 'expired'] as const;
export type PaymentMethodStatus = (typeof PAYMENT_METHOD_STATUSES)[number];
/** The frequencies Razorpay takes for a UPI AutoPay mandate (its order's `token.frequency`). */
export const MANDATE_FREQUENCIES = ['as_presented', 'monthly'] as const;
export type MandateFrequency = (typeof MANDATE_FREQUENCIES)[number];
/** How the parent authorises an e-mandate at their bank (Razorpay `auth_type`); `physical`: a signed paper NACH form. */
export const EMANDATE_AUTH_TYPES = ['netbanking', 'debitcard', 'aadhaar', 'physical'] as const;
export type EmandateAuthType = (typeof EMANDATE_AUTH_TYPES)[number];

/** A saved instrument: the gateway's token plus display data. Never a card number or CVV. */
export interface PaymentMethod {
  readonly object: 'payment_method';
  readonly id: string;
  readonly customer_id: string;
  readonly type: PaymentMethodType;
  readonly card_network: string | null;
  readonly card_last4: string | null;
  readonly card_exp_month: number | null;
  readonly card_exp_year: number | null;
  readonly upi_vpa_masked: string | null;
  readonly bank: string | null;
  readonly wallet: string | null;
  readonly mandate_type: MandateType | null;
  /** `pending` while a UPI AutoPay mandate awaits the customer's approval, `rejected` if they declined; only `active` is charged. */
  readonly status: PaymentMethodStatus;
  /** A UPI AutoPay mandate's terms at the gateway: the most one debit may take (paise), how often, until when. */
  readonly mandate_max_amount: number | null;
  readonly mandate_frequency: MandateFrequency | null;
  readonly mandate_expires_at: Date | null;
  /** An e-mandate's bank account: its last 4 digits and IFSC only (never the full number), and how it is authorised. */
  readonly bank_account_last4: string | null;
  readonly bank_ifsc: string | null;
  readonly mandate_auth_type: EmandateAuthType | null;
  /** A pending e-mandate's registration link (the parent authorises the mandate there) and when it stops working. */
  readonly registration_url: string | null;
  readonly registration_expires_at: Date | null;
  /** Paper NACH: the prefilled form the parent prints, signs and uploads at `registration_url`. */
  readonly nach_form_url: string | null;
  readonly is_default: boolean;
  readonly created_at: Date;
  readonly updated_at: Date;
}

export interface PaymentMethodInput {
  readonly type: PaymentMethodType;
  readonly gateway_token: string;
  readonly card_network?: string | undefined;
  readonly card_last4?: string | undefined;
  readonly card_exp_month?: number | undefined;
  readonly card_exp_year?: number | undefined;
  readonly upi_vpa?: string | undefined;
  readonly bank?: string | undefined;
  readonly wallet?: string | undefined;
  readonly mandate_type?: MandateType | undefined;
  readonly is_default?: boolean | undefined;
}
