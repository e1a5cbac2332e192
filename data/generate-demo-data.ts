import { razorpayFee } from '../payments-core/gateway/fees.js';
import type {
  ImportBatch,
  ImportCustomer,
  ImportOrder,
  ImportPayment,
  ImportPaymentMethod,
  ImportRefund,
  ImportSchool,
  ImportStudent,
} from '../payments-core/payments/import-types.js';
import { INDIAN_STATES } from '../payments-core/schools/state-codes.js';
import { IST_OFFSET_MS as IST_OFFSET } from '../platform/ist.js';

/**
 * Deterministic demo data for a school-meal platform: the same seed gives the same rows. Schools in several states;
 * parents paying per meal pack on school days or by monthly subscription, at any hour of the day (HOURLY_PROFILE:
 * mostly the evening, a little at night); terms, holidays and weekends visible in revenue; a UPI-heavy method mix;
 * 5–10 % first-attempt failures with Razorpay decline reasons and retries; 1–2 % refunds; and labelled fraud at about
 * 0.45 % of payments.
 *
 * The fraud is confirmed fraud (`fraud_label`) in patterns the online fraud features can see: card-testing bursts
 * (many tiny attempts on one new card and device within minutes), account takeover (a known parent's account on a new
 * device, IP and card, at any hour, for many times their usual amount) and mule rings (one device and IP paying from
 * several parents' accounts with fresh cards within an hour). Fraud draws from its own random stream and its own id
 * range, so the ordinary rows depend only on the main stream: changing a fraud pattern leaves them as they were.
 */
export interface DemoOptions {
  readonly seed: number;
  readonly payments: number;
  readonly months: number;
  readonly schools?: number | undefined;
  /** The period ends here (the clock's now). */
  readonly end: Date;
  readonly batchSize?: number;
  /**
   * Churn behaviour, off by default so every existing seed keeps its rows exactly: customers then differ in how
   * often they buy, and about a third stop buying for good on a day of the window (drawn from a separate stream).
   */
  readonly churn?: boolean | undefined;
}

type Method = ImportPayment['method'];

/** sfc32, seeded through splitmix32: fast, and every run with a seed is identical. */
export function createRandom(seed: number): () => number {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

const CITIES: Record<string, string[]> = {
  KA: ['Bengaluru', 'Mysuru', 'Mangaluru'],
  MH: ['Mumbai', 'Pune', 'Nagpur'],
  TN: ['Chennai', 'Coimbatore', 'Madurai'],
  DL: ['New Delhi'],
  TG: ['Hyderabad', 'Warangal'],
  KL: ['Kochi', 'Thiruvananthapuram'],
  GJ: ['Ahmedabad', 'Surat', 'Vadodara'],
  WB: ['Kolkata'],
  UP: ['Lucknow', 'Noida', 'Kanpur'],
};
const SCHOOL_WORDS = [
  'Greenwood',
  'Vidya',
  'Sunrise',
  'Delhi Public',
  'St. Xavier',
  'Kendriya',
  'Lotus Valley',
  'Ryan',
  'Bal Bharati',
  'Podar',
  'Narayana',
  'Oakridge',
];
const SCHOOL_KINDS = ['School', 'High School', 'Public School', 'International School', 'Vidyalaya'];
const FIRST = [
  'Aarav',
  'Vivaan',
  'Aditya',
  'Ananya',
  'Diya',
  'Ishaan',
  'Kavya',
  'Meera',
  'Rohan',
  'Saanvi',
  'Arjun',
  'Priya',
  'Rahul',
  'Sneha',
  'Vikram',
  'Lakshmi',
  'Karthik',
  'Fatima',
  'Imran',
  'Neha',
  'Suresh',
  'Deepa',
  'Anil',
  'Pooja',
];
const LAST = [
  'Sharma',
  'Iyer',
  'Reddy',
  'Nair',
  'Patel',
  'Gupta',
  'Menon',
  'Rao',
  'Singh',
  'Khan',
  'Das',
  'Mukherjee',
  'Joshi',
  'Kulkarni',
  'Pillai',
  'Chatterjee',
  'Verma',
  'Shah',
];
const BANKS = ['HDFC', 'ICICI', 'SBIN', 'UTIB', 'KKBK', 'PUNB'];
const WALLETS = ['paytm', 'phonepe', 'amazonpay', 'mobikwik'];
const UPI_HANDLES = ['okicici', 'okhdfcbank', 'oksbi', 'ybl', 'paytm', 'axl'];
const NETWORKS = ['Visa', 'MasterCard', 'RuPay'];

const DECLINES: Record<Method, [code: string, reason: string, description: string][]> = {
  card: [
    ['BAD_REQUEST_ERROR', 'card_declined', 'Your payment has been declined by your bank.'],
    [
      'BAD_REQUEST_ERROR',
      'insufficient_funds',
      'Your payment could not be completed due to insufficient account balance.',
    ],
    ['BAD_REQUEST_ERROR', 'authentication_failed', 'Your payment could not be completed as the OTP was incorrect.'],
    ['BAD_REQUEST_ERROR', 'payment_timed_out', 'Your payment could not be completed on time.'],
    ['GATEWAY_ERROR', 'gateway_technical_error', 'Payment processing failed due to error at bank or wallet gateway.'],
  ],
  upi: [
    ['BAD_REQUEST_ERROR', 'incorrect_pin', 'Your payment failed as the UPI PIN was incorrect.'],
    ['BAD_REQUEST_ERROR', 'payment_timed_out', 'The UPI collect request expired before it was approved.'],
    [
      'BAD_REQUEST_ERROR',
      'insufficient_funds',
      'Your payment could not be completed due to insufficient account balance.',
    ],
    ['BAD_REQUEST_ERROR', 'payment_cancelled', 'The payment was declined on the UPI app.'],
    ['GATEWAY_ERROR', 'bank_technical_error', 'The bank was unable to process the payment.'],
  ],
  netbanking: [
    ['BAD_REQUEST_ERROR', 'authentication_failed', 'The netbanking login or authorisation failed.'],
    ['BAD_REQUEST_ERROR', 'payment_cancelled', 'The payment was cancelled on the bank page.'],
    ['GATEWAY_ERROR', 'bank_technical_error', 'The bank was unable to process the payment.'],
  ],
  wallet: [
    ['BAD_REQUEST_ERROR', 'insufficient_funds', 'The wallet balance is insufficient.'],
    ['BAD_REQUEST_ERROR', 'payment_cancelled', 'The payment was cancelled in the wallet.'],
  ],
};
const FAILURE_RATE: Record<Method, number> = { upi: 0.08, card: 0.07, netbanking: 0.09, wallet: 0.05 };

const DAY = 86_400_000;

/** Fixed and lunar holidays that close schools, by IST date. */
const HOLIDAYS = new Set([
  '2024-01-26',
  '2024-03-25',
  '2024-08-15',
  '2024-10-02',
  '2024-10-31',
  '2024-11-01',
  '2024-12-25',
  '2025-01-26',
  '2025-03-14',
  '2025-08-15',
  '2025-10-02',
  '2025-10-20',
  '2025-10-21',
  '2025-12-25',
  '2026-01-26',
  '2026-03-04',
  '2026-08-15',
  '2026-10-02',
  '2026-11-08',
  '2026-11-09',
  '2026-12-25',
  '2027-01-26',
  '2027-03-22',
  '2027-08-15',
  '2027-10-02',
  '2027-10-29',
  '2027-12-25',
]);
const DIWALI = ['2024-10-31', '2025-10-20', '2026-11-08', '2027-10-29'].map((d) => Date.parse(`${d}T00:00:00Z`));

/**
 * When parents pay, by IST hour (relative weights, index = hour 0–23): every hour of the day, small but real at night.
 * No hourly UPI volume profile is published by NPCI that we could cite; what NPCI does publish is its peak windows,
 * 10:00–13:00 and 17:00–21:30 (its 2025 circular on API limits, which keeps AutoPay executions out of those hours).
 * The profile follows them, puts a school-meal platform's largest share in the evening (parents pay after dinner for
 * tomorrow's meals, as the demo did before: 18–22 h) and keeps a plausible low night: about 2 % of payments from
 * 00:00 to 05:59 and 4 % from 23:00 to 05:59 (people pay before sleeping, after night shifts, at first light). The
 * night share is our assumption, chosen low-but-nonzero, not a measured figure.
 */
export const HOURLY_PROFILE: readonly number[] = Object.freeze([
  0.6, 0.3, 0.2, 0.15, 0.2, 0.5, 1.5, 3.5, 4.5, 4.5, 5.5, 5.5, 5.5, 4.5, 4, 4, 4.5, 6, 8.5, 9.5, 9.5, 8, 5, 2,
]);
const HOURLY_CUMULATIVE = HOURLY_PROFILE.reduce<number[]>((c, w) => {
  c.push((c.at(-1) ?? 0) + w);
  return c;
}, []);

/** The IST hour whose share of HOURLY_PROFILE holds `u` (a uniform draw in [0, 1)). */
export function istHourAt(u: number): number {
  const x = u * (HOURLY_CUMULATIVE.at(-1) as number);
  const hour = HOURLY_CUMULATIVE.findIndex((c) => x < c);
  return hour === -1 ? 23 : hour;
}

/** How busy a day is for meal payments: 1 on a school day, little on weekends, holidays and vacations. */
export function dayWeight(istMidnight: number): number {
  const d = new Date(istMidnight);
  const iso = d.toISOString().slice(0, 10);
  const month = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  const summer = month === 5 || (month === 6 && day <= 10);
  const winter = (month === 12 && day >= 24) || (month === 1 && day <= 1);
  const diwali = DIWALI.some((t) => istMidnight >= t - 2 * DAY && istMidnight <= t + 3 * DAY);
  if (summer || winter || diwali || HOLIDAYS.has(iso)) return 0.08;
  const weekday = d.getUTCDay();
  if (weekday === 0) return 0.1;
  if (weekday === 6) return 0.35;
  return 1;
}

function gstin(stateCode: string, pick: <T>(xs: readonly T[]) => T, digit: () => number): string {
  const L = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const letters = (n: number) => Array.from({ length: n }, () => pick([...L])).join('');
  const code = INDIAN_STATES[stateCode]?.gstCode ?? '29';
  return `${code}${letters(5)}${Array.from({ length: 4 }, digit).join('')}${letters(1)}${1 + (digit() % 9)}Z${pick([...L, ...'0123456789'])}`;
}

export function* generateDemoData(options: DemoOptions): Generator<ImportBatch> {
  const random = createRandom(options.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const digit = () => Math.floor(random() * 10);
  const tag = `D${options.seed.toString(36)}X`;
  const id = (prefix: string, n: number) => `${prefix}_${tag}${n.toString(36).padStart(8, '0')}`;
  const gatewayId = (prefix: string, n: number) =>
    `${prefix}_Dm${options.seed.toString(36)}${n.toString(36).padStart(10, '0')}`;
  /** Fraud rows are numbered from here ('z0000000' in base 36), far above any ordinary row's number. */
  const FRAUD_IDS = 35 * 36 ** 7;
  const batchSize = options.batchSize ?? 200_000;

  const endDay = Math.floor((options.end.getTime() + IST_OFFSET) / DAY) * DAY;
  const startDay = endDay - Math.round(options.months * 30.44) * DAY;
  const days: number[] = [];
  const cumulative: number[] = [];
  let totalWeight = 0;
  for (let t = startDay; t < endDay; t += DAY) {
    totalWeight += dayWeight(t);
    days.push(t);
    cumulative.push(totalWeight);
  }
  const sampleDay = (): number => {
    const x = random() * totalWeight;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] ?? 0) < x) lo = mid + 1;
      else hi = mid;
    }
    return days[lo] ?? startDay;
  };
  /**
   * The first days of the calendar months whose renewal days (the 1st to the 3rd) lie inside the data's range:
   * monthly subscriptions renew on one of them, so no month is left without renewals and none piles up on the
   * range's first day.
   */
  const renewalMonths: number[] = [];
  for (let m = new Date(startDay); m.getTime() < endDay; ) {
    const first = Date.UTC(m.getUTCFullYear(), m.getUTCMonth(), 1);
    if (first >= startDay && first + 2 * DAY < endDay) renewalMonths.push(first);
    m = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1));
  }
  /**
   * A UTC instant on an IST day at an hour drawn from HOURLY_PROFILE (any hour, mostly the evening). Three draws of
   * the main stream, as before the profile (hour, minute, second), so every other field of every row is unchanged.
   */
  const instantOn = (istMidnight: number): Date => {
    const hour = istHourAt(random());
    return new Date(istMidnight - IST_OFFSET + hour * 3_600_000 + int(0, 59) * 60_000 + int(0, 59) * 1000);
  };

  // ---- parties -------------------------------------------------------------------------------------
  const stateCodes = Object.keys(CITIES);
  const schoolCount = options.schools ?? Math.min(200, Math.max(6, Math.round(options.payments / 5_000)));
  const schools: ImportSchool[] = [];
  for (let i = 0; i < schoolCount; i++) {
    const stateCode = stateCodes[i % stateCodes.length] ?? 'KA';
    const city = pick(CITIES[stateCode] ?? ['Bengaluru']);
    schools.push({
      id: id('sch', i),
      name: `${pick(SCHOOL_WORDS)} ${pick(SCHOOL_KINDS)}, ${city}`,
      city,
      stateCode,
      gstin: gstin(stateCode, pick, digit),
      createdAt: new Date(startDay - 90 * DAY),
    });
  }
  interface Stream {
    pick: <T>(xs: readonly T[]) => T;
    int: (lo: number, hi: number) => number;
    random: () => number;
  }
  const main: Stream = { pick, int, random };
  let fraudMethodN = 0;
  const customerCount = Math.max(10, Math.round(options.payments / 14));
  const customers: ImportCustomer[] = [];
  const students: ImportStudent[] = [];
  const methods: ImportPaymentMethod[] = [];
  interface Profile {
    customer: ImportCustomer;
    children: number;
    subscription: boolean;
    methods: ImportPaymentMethod[];
    devices: string[];
    ip: string;
  }
  const profiles: Profile[] = [];
  let methodN = 0;
  const newMethod = (
    customerId: string,
    type: Method,
    createdAt: Date,
    isDefault: boolean,
    fraudStream?: Stream,
  ): ImportPaymentMethod => {
    const { pick, int } = fraudStream ?? main;
    const n = fraudStream === undefined ? methodN++ : FRAUD_IDS + fraudMethodN++;
    const m: ImportPaymentMethod = {
      id: id('pm', n),
      customerId,
      type,
      gatewayToken: gatewayId('token', n),
      cardNetwork: type === 'card' ? pick(NETWORKS) : null,
      cardLast4: type === 'card' ? String(int(0, 9999)).padStart(4, '0') : null,
      cardExpMonth: type === 'card' ? int(1, 12) : null,
      cardExpYear: type === 'card' ? int(2027, 2032) : null,
      upiVpaMasked:
        type === 'upi'
          ? `${String.fromCharCode(97 + int(0, 25))}${String.fromCharCode(97 + int(0, 25))}••••••@${pick(UPI_HANDLES)}`
          : null,
      bank: type === 'netbanking' ? pick(BANKS) : null,
      wallet: type === 'wallet' ? pick(WALLETS) : null,
      isDefault,
      createdAt,
    };
    methods.push(m);
    return m;
  };
  const methodMix = (): Method => {
    const x = random();
    return x < 0.6 ? 'upi' : x < 0.85 ? 'card' : x < 0.95 ? 'netbanking' : 'wallet';
  };
  for (let i = 0; i < customerCount; i++) {
    const school = schools[i % schools.length] as ImportSchool;
    const first = pick(FIRST);
    const last = pick(LAST);
    const createdAt = new Date(startDay - int(0, 120) * DAY);
    const customer: ImportCustomer = {
      id: id('cus', i),
      schoolId: school.id,
      name: `${first} ${last}`,
      email: `${first.toLowerCase()}.${last.toLowerCase()}${i}@example.in`,
      phone: `+91${int(6, 9)}${String(int(0, 999_999_999)).padStart(9, '0')}`,
      stateCode: school.stateCode,
      createdAt,
    };
    customers.push(customer);
    const children = random() < 0.7 ? 1 : random() < 0.85 ? 2 : 3;
    for (let c = 0; c < children; c++) {
      students.push({
        id: id('stu', i * 4 + c),
        customerId: customer.id,
        schoolId: school.id,
        name: `${pick(FIRST)} ${last}`,
        grade: int(1, 12),
        createdAt,
      });
    }
    const preferred = methodMix();
    const own = [newMethod(customer.id, preferred, createdAt, true)];
    if (random() < 0.3) own.push(newMethod(customer.id, methodMix(), createdAt, false));
    profiles.push({
      customer,
      children,
      subscription: random() < 0.3,
      methods: own,
      devices: [`dev_${tag}${i.toString(36)}a`, ...(random() < 0.4 ? [`dev_${tag}${i.toString(36)}b`] : [])],
      ip: `${pick([49, 103, 106, 117, 122, 157, 182])}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`,
    });
  }

  // ---- payments ------------------------------------------------------------------------------------
  let orders: ImportOrder[] = [];
  let payments: ImportPayment[] = [];
  let refunds: ImportRefund[] = [];
  let orderN = 0;
  let paymentN = 0;
  let refundN = 0;
  let made = 0;
  let first = true;

  let fraudOrderN = 0;
  let fraudPaymentN = 0;
  const addOrder = (p: Profile, amount: number, at: Date, description: string, fraud = false): ImportOrder => {
    const n = fraud ? FRAUD_IDS + fraudOrderN++ : orderN++;
    const order: ImportOrder = {
      id: id('ord', n),
      customerId: p.customer.id,
      schoolId: p.customer.schoolId,
      amount,
      currency: 'INR',
      status: 'attempted',
      description,
      gatewayOrderId: gatewayId('order', n),
      createdAt: at,
    };
    orders.push(order);
    return order;
  };
  const addPayment = (
    p: Profile,
    order: ImportOrder,
    at: Date,
    method: ImportPaymentMethod,
    outcome: { fail: boolean; device?: string; ip?: string; label?: string | null; stream?: Stream },
  ): ImportPayment => {
    const { pick } = outcome.stream ?? main;
    const n = outcome.stream === undefined ? paymentN++ : FRAUD_IDS + fraudPaymentN++;
    const decline = outcome.fail ? pick(DECLINES[method.type]) : null;
    const { fee, tax } = razorpayFee(order.amount);
    const payment: ImportPayment = {
      id: id('pay', n),
      orderId: order.id,
      customerId: p.customer.id,
      schoolId: p.customer.schoolId,
      paymentMethodId: method.id,
      method: method.type,
      amount: order.amount,
      currency: 'INR',
      status: decline === null ? 'captured' : 'failed',
      fee: decline === null ? fee : null,
      tax: decline === null ? tax : null,
      gatewayPaymentId: gatewayId('pay', n),
      errorCode: decline?.[0] ?? null,
      errorReason: decline?.[1] ?? null,
      errorDescription: decline?.[2] ?? null,
      deviceId: outcome.device ?? pick(p.devices),
      ip: outcome.ip ?? p.ip,
      fraudLabel: outcome.label ?? null,
      createdAt: at,
    };
    payments.push(payment);
    if (decline === null) (order as { status: string }).status = 'paid';
    made++;
    return payment;
  };
  const addRefund = (payment: ImportPayment, amount: number, at: Date, reason: string): void => {
    const n = refundN++;
    const recent = options.end.getTime() - at.getTime() < 3 * DAY;
    const status = recent ? 'pending' : random() < 0.02 ? 'failed' : 'processed';
    refunds.push({
      id: id('rfd', n),
      paymentId: payment.id,
      amount,
      status,
      reason,
      gatewayRefundId: gatewayId('rfnd', n),
      createdAt: at,
      settledAt: status === 'pending' ? null : new Date(at.getTime() + int(1, 5) * DAY),
    });
  };
  const later = (at: Date, ms: number) => new Date(Math.min(at.getTime() + ms, options.end.getTime() - 1000));

  // Churn behaviour (options.churn): activity weights and leaving days from their own stream, so the main stream,
  // and every row of a seed without churn, is unchanged.
  const churnRandom = createRandom((options.seed ^ 0x63687572) >>> 0);
  const churn = options.churn === true;
  const activity = profiles.map(() => (churn ? 0.15 + 2 * churnRandom() ** 2 : 1));
  const leaveAt = profiles.map(() =>
    churn && churnRandom() < 0.35 ? startDay + churnRandom() * (endDay - startDay) : Number.POSITIVE_INFINITY,
  );
  const activityCumulative: number[] = [];
  let activityTotal = 0;
  for (const a of activity) {
    activityTotal += a;
    activityCumulative.push(activityTotal);
  }
  const pickProfile = (): number => {
    if (!churn) return Math.floor(random() * profiles.length);
    const x = random() * activityTotal;
    let lo = 0;
    let hi = activityCumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((activityCumulative[mid] ?? 0) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  /**
   * Where a parent pays from: mostly their home connection (`ip`), but about one purchase in four over a mobile
   * network, whose carrier-grade NAT hands out a public address from a shared pool (here a fresh one each time; a
   * retry keeps its purchase's address). So an IP new to a parent is ordinary, as it is in life, and not a fraud
   * signal on its own. Drawn from a stream of its own, so every other field of every row stays as it was.
   */
  const ipRandom = createRandom((options.seed ^ 0x69706164) >>> 0);
  const payingIp = (p: Profile): string => {
    if (ipRandom() >= 0.25) return p.ip;
    const octet = (lo: number, hi: number) => lo + Math.floor(ipRandom() * (hi - lo + 1));
    return `${[27, 49, 106, 117, 157, 223][octet(0, 5)]}.${octet(0, 255)}.${octet(0, 255)}.${octet(1, 254)}`;
  };

  /** One ordinary purchase: a meal pack or a month's subscription, with a retry after a decline. */
  const purchase = (): void => {
    let index = pickProfile();
    let p = profiles[index] as Profile;
    let { at, amount, description } = termsFor(p);
    // A customer who has left buys nothing more: someone else makes this purchase.
    for (let tries = 0; churn && at.getTime() >= (leaveAt[index] as number) && tries < 50; tries++) {
      index = pickProfile();
      p = profiles[index] as Profile;
      ({ at, amount, description } = termsFor(p));
    }
    finishPurchase(p, at, amount, description);
  };
  const termsFor = (p: Profile): { at: Date; amount: number; description: string } => {
    let at: Date;
    let amount: number;
    let description: string;
    if (p.subscription) {
      const first = renewalMonths[Math.floor(random() * renewalMonths.length)];
      const offset = int(0, 2) * DAY;
      at = instantOn(first === undefined ? sampleDay() : first + offset);
      amount = p.children * int(180, 260) * 1000; // ₹1,800–2,600 a child a month
      description = 'Monthly meal subscription';
    } else {
      at = instantOn(sampleDay());
      amount = p.children * int(5, 30) * 5000; // meal packs, ₹50 a meal
      description = 'Meal pack';
    }
    return { at, amount, description };
  };
  const finishPurchase = (p: Profile, at: Date, amount: number, description: string): void => {
    const order = addOrder(p, amount, at, description);
    const method = random() < 0.9 ? (p.methods[0] as ImportPaymentMethod) : pick(p.methods);
    const ip = payingIp(p);
    const payment = addPayment(p, order, at, method, { fail: random() < FAILURE_RATE[method.type], ip });
    if (payment.status === 'failed' && random() < 0.65 && made < options.payments) {
      const retryMethod = random() < 0.5 ? method : pick(p.methods);
      const retry = addPayment(p, order, later(at, int(1, 30) * 60_000), retryMethod, { fail: random() < 0.1, ip });
      if (retry.status === 'captured' && random() < 0.015) refundFor(retry);
    } else if (payment.status === 'captured' && random() < 0.015) {
      refundFor(payment);
    }
  };
  const refundFor = (payment: ImportPayment): void => {
    const full = random() < 0.65;
    const amount = full ? payment.amount : Math.max(100, Math.floor((payment.amount * int(10, 60)) / 100 / 100) * 100);
    addRefund(payment, amount, later(payment.createdAt, int(1, 20) * DAY), full ? 'order cancelled' : 'student absent');
  };

  // Fraud patterns draw from their own stream (see the header).
  const fraudRandom = createRandom((options.seed ^ 0x66726175) >>> 0);
  const fraudInt = (lo: number, hi: number) => lo + Math.floor(fraudRandom() * (hi - lo + 1));
  const fraudStream: Stream = {
    random: fraudRandom,
    int: fraudInt,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(fraudRandom() * xs.length)] as T,
  };
  let fraudN = 0;
  const fraudIp = () =>
    `${fraudStream.pick([5, 45, 89, 185, 193])}.${fraudInt(0, 255)}.${fraudInt(0, 255)}.${fraudInt(1, 254)}`;
  /** A school day's instant at an IST hour in [lo, hi]. */
  const fraudInstant = (lo: number, hi: number): Date => {
    const day = days[Math.floor(fraudRandom() * days.length)] ?? startDay;
    return new Date(day - IST_OFFSET + fraudInt(lo, hi) * 3_600_000 + fraudInt(0, 3_599) * 1000);
  };
  const fraudPayment = (
    p: Profile,
    amount: number,
    at: Date,
    card: ImportPaymentMethod,
    fail: number,
    o: { device: string; ip: string; label: string },
  ) => {
    const order = addOrder(p, amount, at, 'Meal pack', true);
    return addPayment(p, order, at, card, { fail: fraudRandom() < fail, ...o, stream: fraudStream });
  };

  /** One confirmed-fraud pattern (see the header), a few payments each. */
  const fraud = (): void => {
    const { pick, int } = fraudStream;
    const n = (fraudN++).toString(36);
    const kind = pick(['card_testing', 'account_takeover', 'mule'] as const);
    const device = `dev_${tag}f${n}`;
    const ip = fraudIp();
    if (kind === 'card_testing') {
      // A stolen card tried for tiny amounts, seconds apart, mostly declined, from one device.
      const p = pick(profiles);
      const at = fraudInstant(0, 23);
      const card = newMethod(p.customer.id, 'card', at, false, fraudStream);
      const burst = int(4, 9);
      let t = at.getTime();
      for (let i = 0; i < burst && made < options.payments; i++) {
        fraudPayment(p, int(1, 20) * 100, later(new Date(t), 0), card, 0.6, { device, ip, label: kind });
        t += int(5, 40) * 1000;
      }
    } else if (kind === 'account_takeover') {
      // A known parent's account, taken over: a new device, IP and card, for many times the usual amount, at any hour
      // (whenever the credentials are used: the signal is the new device, IP and card and the amount, not the clock).
      const p = pick(profiles);
      const at = fraudInstant(0, 23);
      const card = newMethod(p.customer.id, 'card', at, false, fraudStream);
      const attempts = int(1, 2);
      for (let i = 0; i < attempts && made < options.payments; i++) {
        const amount = int(80, 250) * 10_000; // ₹8,000–25,000
        fraudPayment(p, amount, later(at, i * int(1, 6) * 60_000), card, 0.3, { device, ip, label: kind });
      }
    } else {
      // A mule ring: one device and IP paying from several parents' accounts, each with a fresh card, within an hour.
      const accounts = int(3, 5);
      const at = fraudInstant(9, 23);
      let t = at.getTime();
      for (let i = 0; i < accounts && made < options.payments; i++) {
        const p = pick(profiles);
        const card = newMethod(p.customer.id, 'card', new Date(t), false, fraudStream);
        fraudPayment(p, int(30, 120) * 10_000, later(new Date(t), 0), card, 0.2, { device, ip, label: kind });
        t += int(2, 15) * 60_000;
      }
    }
  };

  const flush = (): ImportBatch => {
    const batch: ImportBatch = first
      ? { schools, customers, students, paymentMethods: methods.splice(0), orders, payments, refunds }
      : { paymentMethods: methods.splice(0), orders, payments, refunds };
    first = false;
    orders = [];
    payments = [];
    refunds = [];
    return batch;
  };

  // About 0.45 % of payments are fraud; a pattern averages about 4 payments (card testing 6.5, takeover 1.5, mule 4).
  const fraudChance = 0.0045 / 4;
  while (made < options.payments) {
    if (random() < fraudChance) fraud();
    else purchase();
    if (payments.length >= batchSize) yield flush();
  }
  if (payments.length > 0 || first) yield flush();
}
