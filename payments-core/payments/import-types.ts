/** Already-final records for the bulk path (`importPayments`): demo data, migrations from another system. */
export interface ImportSchool {
  readonly id: string;
  readonly name: string;
  readonly city: string;
  readonly stateCode: string;
  readonly gstin: string | null;
  readonly createdAt: Date;
}

export interface ImportCustomer {
  readonly id: string;
  readonly schoolId: string;
  readonly name: string;
  readonly email: string;
  readonly phone: string;
  readonly stateCode: string;
  readonly createdAt: Date;
}

export interface ImportStudent {
  readonly id: string;
  readonly customerId: string;
  readonly schoolId: string;
  readonly name: string;
  readonly grade: number;
  readonly createdAt: Date;
}

export interface ImportPaymentMethod {
  readonly id: string;
  readonly customerId: string;
  readonly type: 'card' | 'upi' | 'netbanking' | 'wallet';
  readonly gatewayToken: string;
  readonly cardNetwork: string | null;
  readonly cardLast4: string | null;
  readonly cardExpMonth: number | null;
  readonly cardExpYear: number | null;
  readonly upiVpaMasked: string | null;
  readonly bank: string | null;
  readonly wallet: string | null;
  readonly isDefault: boolean;
  readonly createdAt: Date;
}

export interface ImportOrder {
  readonly id: string;
  readonly customerId: string;
  readonly schoolId: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: 'created' | 'attempted' | 'paid';
  readonly description: string | null;
  readonly gatewayOrderId: string | null;
  readonly createdAt: Date;
}

export interface ImportPayment {
  readonly id: string;
  readonly orderId: string;
  readonly customerId: string;
  readonly schoolId: string;
  readonly paymentMethodId: string | null;
  readonly method: 'card' | 'upi' | 'netbanking' | 'wallet';
  readonly amount: number;
  readonly currency: string;
  readonly status: 'authorized' | 'captured' | 'failed';
  readonly fee: number | null;
  readonly tax: number | null;
  readonly gatewayPaymentId: string;
  readonly errorCode: string | null;
  readonly errorReason: string | null;
  readonly errorDescription: string | null;
  readonly deviceId: string | null;
  readonly ip: string | null;
  readonly fraudLabel: string | null;
  readonly createdAt: Date;
}

export interface ImportRefund {
  readonly id: string;
  readonly paymentId: string;
  readonly amount: number;
  readonly status: 'pending' | 'processed' | 'failed';
  readonly reason: string | null;
  readonly gatewayRefundId: string;
  readonly createdAt: Date;
  /** When it was processed or failed; null while pending. */
  readonly settledAt: Date | null;
}

export interface ImportBatch {
  readonly schools?: readonly ImportSchool[];
  readonly customers?: readonly ImportCustomer[];
  readonly students?: readonly ImportStudent[];
  readonly paymentMethods?: readonly ImportPaymentMethod[];
  readonly orders: readonly ImportOrder[];
  readonly payments: readonly ImportPayment[];
  readonly refunds: readonly ImportRefund[];
}

export interface ImportSummary {
  readonly orders: number;
  readonly payments: number;
  readonly refunds: number;
  readonly journalEntries: number;
  readonly journalLines: number;
}
