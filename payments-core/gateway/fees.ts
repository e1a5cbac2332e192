import { type Paise, paise, proportion } from '../../platform/money.js';

/**
 * Razorpay's standard pricing as the simulator and the demo data apply it: a 2 % commission with 18 % GST
 * on it, each rounded half-up once; Razorpay reports `fee` including the `tax`.
 */
export function razorpayFee(amount: Paise | number): { fee: Paise; tax: Paise } {
  const commission = proportion(paise(amount), 2, 100, 'half_up');
  const tax = proportion(commission, 18, 100, 'half_up');
  return { fee: paise(commission + tax), tax };
}
