/**
 * The one gateway port. Every write carries an idempotency key derived from the kosh record that
 * caused it (the kosh id as Razorpay `receipt` or in `notes.kosh_id`). A first attempt writes directly;
 * a retry after a crash or a timeout first looks the key up with `find…`, so it finds the first attempt
 * instead of charging again, without costing every first attempt an extra round trip.
 */
export type GatewayOrderStatus = 'created' | 'attempted' | 'paid';
export type GatewayPaymentStatus = 'created' | 'authorized' | 'captured' | 'refunded' | 'failed';
export type GatewayRefundStatus = 'pending' | 'processed' | 'failed';

export interface GatewayOrder {
  readonly id: string;
  readonly amount: number;
  readonly currency: string;
  readonly receipt: string | null;
  readonly status: GatewayOrderStatus;
}

export interface GatewayPayment {
  readonly id: string;
  readonly orderId: string | null;
  readonly amount: number;
  readonly currency: string;
  readonly status: GatewayPaymentStatus;
  readonly method: string;
  readonly captured: boolean;
  /** Gateway fee in paise, including `tax`; Razorpay reports it once the payment is captured. */
  readonly fee: number | null;
  /** GST on the fee, in paise. */
  readonly tax: number | null;
  readonly errorCode: string | null;
  readonly errorReason: string | null;
  readonly errorDescription: string | null;
  readonly notes: Readonly<Record<string, string>>;
}

export interface GatewayRefund {
  readonly id: string;
  readonly paymentId: string;
  readonly amount: number;
  readonly currency: string;
  readonly receipt: string | null;
  readonly status: GatewayRefundStatus;
}

/**
 * A dispute (chargeback) the parent's bank raised against a captured payment (https://razorpay.com/docs/api/disputes/
 * entity): `amountDeducted` is 0 until it is lost; times are unix seconds.
 */
export interface GatewayDispute {
  readonly id: string;
  readonly paymentId: string;
  readonly amount: number;
  readonly amountDeducted: number;
  readonly currency: string;
  readonly reasonCode: string;
  readonly reasonDescription: string | null;
  readonly phase: string;
  readonly status: string;
  readonly respondBy: number | null;
  readonly evidenceSummary: string | null;
  readonly createdAt: number;
}

/** One line of the gateway's settlement reconciliation report (Razorpay Settlement Recon); money in paise. */
export interface GatewaySettlementEntry {
  readonly entityId: string;
  /** payment | refund | adjustment | transfer | … */
  readonly type: string;
  readonly debit: number;
  readonly credit: number;
  readonly amount: number;
  readonly currency: string;
  readonly fee: number;
  readonly tax: number;
  readonly onHold: boolean;
  readonly settled: boolean;
  /** Unix seconds. */
  readonly createdAt: number;
  readonly settledAt: number | null;
  readonly settlementId: string | null;
  readonly settlementUtr: string | null;
  readonly orderId: string | null;
  readonly orderReceipt: string | null;
  readonly method: string | null;
  readonly paymentId: string | null;
}

/**
 * A settlement: one bank credit (its UTR) of what the gateway settled, in paise. `fees` and `tax` are charged on the
 * settlement itself (0 for a normal settlement, set for an instant one).
 * https://razorpay.com/docs/api/settlements/entity
 */
export interface GatewaySettlement {
  readonly id: string;
  readonly amount: number;
  readonly fees: number;
  readonly tax: number;
  readonly utr: string | null;
  /** created | processed | failed */
  readonly status: string;
  /** Unix seconds. */
  readonly createdAt: number;
}

export interface CreateOrderInput {
  readonly amount: number;
  readonly currency: string;
  /** The kosh order id: the idempotency key of this write. */
  readonly receipt: string;
  readonly notes?: Readonly<Record<string, string>>;
}

export interface CreatePaymentInput {
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  /** The kosh payment id: stored in notes.kosh_id and looked up before a retry creates another. */
  readonly idempotencyKey: string;
  readonly email: string;
  readonly contact: string;
  /** A saved gateway token (card, netbanking, wallet, a UPI mandate) with the gateway customer it belongs to. */
  readonly instrument: { readonly kind: 'token'; readonly token: string; readonly customerId: string };
  readonly capture: 'auto' | 'manual';
}

/**
 * A one-time UPI payment by intent (https://razorpay.com/docs/payments/payment-gateway/s2s-integration/json/v2/
 * build-integration/upi/intent): no VPA, the gateway customer and the payer's browser (`ip`, `referer`,
 * `user_agent`, mandatory on `POST /v1/payments/create/upi`), and how long the link lives.
 */
export interface UpiIntentInput {
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  /** The kosh payment id: stored in notes.kosh_id and looked up before a retry creates another. */
  readonly idempotencyKey: string;
  readonly email: string;
  readonly contact: string;
  readonly customerId: string;
  readonly payer: Payer;
  /** Razorpay `upi.expiry_time`: whole minutes the link stays payable. */
  readonly expiryMinutes: number;
}

/** An intent awaiting the customer: the gateway payment (`created`) and the `upi://pay` link to open or show as a QR. */
export interface UpiIntent {
  readonly paymentId: string;
  readonly link: string;
}

/** The payer's browser, as the platform's backend relays it: what Razorpay asks of an S2S UPI payment. */
export interface Payer {
  readonly ip: string;
  readonly referer: string;
  readonly userAgent: string;
}

export interface CreateRefundInput {
  readonly paymentId: string;
  readonly amount: number;
  /** The kosh refund id: sent as Razorpay `receipt` and looked up before a retry creates another. */
  readonly receipt: string;
  readonly notes?: Readonly<Record<string, string>>;
}

export interface CreateCustomerInput {
  /** The kosh customer id, kept in the gateway customer's notes. */
  readonly koshCustomerId: string;
  readonly name: string;
  readonly email: string;
  readonly contact: string;
}

/** A saved method at the gateway, as the customer's token shows it. */
export interface GatewayToken {
  readonly id: string;
  readonly customerId: string;
  readonly method: string;
  readonly cardNetwork: string | null;
  readonly cardLast4: string | null;
  readonly cardExpMonth: number | null;
  readonly cardExpYear: number | null;
}

/** https://razorpay.com/docs/payments/payment-links/states/ */
export type GatewayPaymentLinkStatus = 'created' | 'partially_paid' | 'paid' | 'cancelled' | 'expired';

/** A Razorpay (standard) payment link: a page where the customer pays on-session. Money in paise. */
export interface GatewayPaymentLink {
  readonly id: string;
  readonly referenceId: string | null;
  readonly amount: number;
  readonly amountPaid: number;
  readonly currency: string;
  readonly status: GatewayPaymentLinkStatus;
  readonly shortUrl: string;
  /** The gateway order the link's payments are made on; null until the customer first pays. */
  readonly orderId: string | null;
  /** Unix seconds; null when the link never expires on its own terms (Razorpay's default: six months). */
  readonly expireBy: number | null;
}

export interface CreatePaymentLinkInput {
  /** The id of the kosh record the link pays: Razorpay `reference_id`, unique per merchant, the idempotency key. */
  readonly referenceId: string;
  readonly amount: number;
  readonly currency: string;
  readonly description: string;
  readonly customer: { readonly name: string; readonly email: string | null; readonly contact: string | null };
  /** When the link stops working (at most six months ahead); null for Razorpay's default. */
  readonly expireBy: Date | null;
  readonly notes?: Readonly<Record<string, string>>;
}

/**
 * A UPI AutoPay mandate to register at the gateway: an authorisation order carrying the mandate's terms, then its
 * authorisation payment by UPI intent (https://razorpay.com/docs/api/payments/recurring-payments/upi/
 * create-authorization-transaction/). Amounts in paise; `expireAt` in unix seconds (null: the gateway's default).
 */
export interface UpiMandateInput {
  /** The gateway customer the mandate's token will belong to. */
  readonly customerId: string;
  /** The kosh payment method id: the order's receipt and the payment's notes.kosh_id, looked up before a retry. */
  readonly idempotencyKey: string;
  /** The authorisation payment's amount. */
  readonly amount: number;
  readonly currency: string;
  readonly maxAmount: number;
  readonly frequency: 'as_presented' | 'monthly';
  readonly expireAt: number | null;
  readonly email: string;
  readonly contact: string;
  readonly payer: Payer;
}

/** A registration awaiting the customer: the `upi://mandate` link to open (null when resumed) and the token made. */
export interface UpiMandateRegistration {
  readonly orderId: string;
  readonly paymentId: string;
  /** The mandate's token (`initiated` until the customer approves); null when the gateway has not named it yet. */
  readonly tokenId: string | null;
  readonly link: string | null;
}

/**
 * An e-mandate to register at the gateway through a registration link (`POST /v1/subscription_registration/auth_links`,
 * https://razorpay.com/docs/api/payments/recurring-payments/emandate/create-authorization-transaction/): the parent
 * opens the link and authorises the mandate at their bank. Amounts in paise; times in unix seconds.
 */
export interface RegistrationLinkInput {
  /** The kosh payment method id: the link's `receipt`, looked up before a retry creates another. */
  readonly receipt: string;
  readonly customer: { readonly name: string; readonly email: string; readonly contact: string };
  readonly description: string;
  /** `emandate`, authorised online at the bank; `nach`, paper NACH: a prefilled form the parent signs and uploads. */
  readonly method: 'emandate' | 'nach';
  /** `physical` for paper NACH. */
  readonly authType: 'netbanking' | 'debitcard' | 'aadhaar' | 'physical';
  readonly maxAmount: number;
  /** When the mandate ends; null for the gateway's default (10 years). */
  readonly expireAt: number | null;
  /** When the link stops working; null for no expiry. */
  readonly expireBy: number | null;
  /** The full account number goes to the gateway only, never into kosh's storage or logs. */
  readonly bankAccount: {
    readonly beneficiaryName: string;
    readonly accountNumber: string;
    readonly accountType: 'savings' | 'current';
    readonly ifscCode: string;
  };
}

/** A registration link: the gateway invoice (`inv_…`) the parent pays ₹0 on to authorise the mandate. */
export interface GatewayRegistrationLink {
  readonly id: string;
  readonly orderId: string;
  readonly customerId: string | null;
  readonly shortUrl: string;
  /** Paper NACH: the prefilled form to print and sign (uploaded at `shortUrl`); null for an e-mandate. */
  readonly nachFormUrl: string | null;
  /** issued | paid | expired | cancelled */
  readonly status: string;
  readonly expireBy: number | null;
}

export interface PaymentGateway {
  /**
   * The gateway customer for these details: created, or the existing one with the same email and contact (Razorpay
   * `fail_existing: "0"`), so a retry after a crash finds the first instead of making a second.
   */
  ensureCustomer(input: CreateCustomerInput): Promise<string>;
  /** One of a gateway customer's tokens; null when the customer has no such token. */
  fetchToken(customerId: string, tokenId: string): Promise<GatewayToken | null>;
  /**
   * Deletes a customer's token (a saved card, or a UPI AutoPay mandate, which Razorpay then cancels); a token the
   * gateway no longer has counts as deleted.
   */
  deleteToken(customerId: string, tokenId: string): Promise<void>;
  /** Starts a UPI AutoPay mandate registration (order with `token`, intent payment); idempotent by its key. */
  registerUpiMandate(input: UpiMandateInput): Promise<UpiMandateRegistration>;
  /** Creates an e-mandate registration link; idempotent by its receipt (a retry finds the first link). */
  createRegistrationLink(input: RegistrationLinkInput): Promise<GatewayRegistrationLink>;
  fetchRegistrationLink(invoiceId: string): Promise<GatewayRegistrationLink>;
  createOrder(input: CreateOrderInput): Promise<GatewayOrder>;
  findOrderByReceipt(receipt: string): Promise<GatewayOrder | null>;
  fetchOrder(orderId: string): Promise<GatewayOrder>;
  createPayment(input: CreatePaymentInput): Promise<GatewayPayment>;
  /** Starts a one-time UPI intent payment; the outcome comes later (webhooks, or `findPayment`). */
  createUpiIntent(input: UpiIntentInput): Promise<UpiIntent>;
  /** The payment on a gateway order that carries this kosh payment id, if the gateway has one. */
  findPayment(orderId: string, idempotencyKey: string): Promise<GatewayPayment | null>;
  fetchPayment(paymentId: string): Promise<GatewayPayment>;
  capturePayment(paymentId: string, amount: number, currency: string): Promise<GatewayPayment>;
  createRefund(input: CreateRefundInput): Promise<GatewayRefund>;
  findRefundByReceipt(paymentId: string, receipt: string): Promise<GatewayRefund | null>;
  fetchRefund(paymentId: string, refundId: string): Promise<GatewayRefund>;
  /** Every entry settled on a day (`day` given) or in a month, all pages. */
  fetchSettlementReport(period: { year: number; month: number; day?: number }): Promise<GatewaySettlementEntry[]>;
  /** One settlement by id (`GET /v1/settlements/:id`): its amount and the UTR of its bank credit. */
  fetchSettlement(settlementId: string): Promise<GatewaySettlement>;
  /**
   * A payment link for a kosh record, keyed by `referenceId`: a retry (Razorpay refuses a second link with the same
   * reference id) finds and returns the first link instead of failing or making another.
   */
  createPaymentLink(input: CreatePaymentLinkInput): Promise<GatewayPaymentLink>;
  fetchPaymentLink(linkId: string): Promise<GatewayPaymentLink>;
  /**
   * Cancels a link that can still be paid (`created`); a link already cancelled, paid, partly paid or expired is
   * returned as it is (Razorpay cancels only `created` links), so the caller sees what stopped it.
   */
  cancelPaymentLink(linkId: string): Promise<GatewayPaymentLink>;
  /** Accepts an open dispute: the gateway deducts its amount and answers it `lost`. */
  acceptDispute(disputeId: string): Promise<GatewayDispute>;
  /** Contests an open dispute with a written explanation (`submit`: it goes under review). */
  contestDispute(disputeId: string, input: { summary: string; amount?: number | undefined }): Promise<GatewayDispute>;
}
