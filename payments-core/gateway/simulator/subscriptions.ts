/**
 * The simulator's Razorpay Subscriptions, only as far as a charge: `POST /v1/sim/subscriptions/:id/charge` stands for
 * Razorpay charging one billing cycle of a subscription it holds (kosh only learns of it by webhook). Razorpay makes
 * an order and an invoice for the cycle, charges the saved card, auto-captures, and sends `payment.captured` and
 * `subscription.charged` (https://razorpay.com/docs/webhooks/subscriptions/: "Sent every time a successful charge is
 * made on the subscription"; the payload carries the subscription entity and, when a payment was made, the payment
 * entity). The payment entity of a subscription charge names its `order_id`, `invoice_id`, `customer_id` and
 * `token_id`, and no subscription id (https://razorpay.com/docs/payments/subscriptions/plugins/magento/webhook-events/).
 * The subscription entity's fields are those of https://razorpay.com/docs/api/payments/subscriptions/entity/.
 *
 * Body: `amount` (paise, at least 100), `current_start` and `current_end` (unix seconds, the cycle charged; end after
 * start), and optionally `plan_id`, `customer_id`, `quantity`. Only successful charges are modelled: failed cycles
 * (`subscription.pending`, `halted`) are not.
 */

type Json = Record<string, unknown>;

interface SimSubscription extends Json {
  id: string;
  status: string;
  paid_count: number;
  current_start: number | null;
  current_end: number | null;
}

export interface SubscriptionChargeDeps {
  readonly id: (prefix: string) => string;
  readonly now: () => number;
  /** Creates a Razorpay order (the simulator's own, with its validation). */
  readonly createOrder: (body: Json) => Json & { id: string; amount: number; currency: string };
  /** Stores a payment where `GET /v1/payments/:id` and the settlement report find it. */
  readonly storePayment: (payment: Json & { id: string }) => void;
  readonly markOrderPaid: (orderId: string, amount: number) => void;
  readonly fee: (amount: number) => { fee: number; tax: number };
  readonly emit: (event: string, entities: Record<string, Json>) => void;
  readonly badRequest: (description: string, field?: string) => Error;
}

const ID = /^sub_[A-Za-z0-9]{6,30}$/;
const unixSeconds = (v: unknown): number | null =>
  typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : null;

export function createSubscriptionCharges(deps: SubscriptionChargeDeps) {
  const subscriptions = new Map<string, SimSubscription>();

  return {
    /** Charges one cycle of subscription `id`; answers `{ subscription, payment }` as the webhooks carry them. */
    charge(id: string, body: Json): Json {
      if (!ID.test(id)) throw deps.badRequest('The id provided does not exist', 'subscription_id');
      const start = unixSeconds(body['current_start']);
      const end = unixSeconds(body['current_end']);
      if (start === null) throw deps.badRequest('The current_start field is required.', 'current_start');
      if (end === null || end <= start) throw deps.badRequest('current_end must be after current_start', 'current_end');
      const quantity = body['quantity'] === undefined ? 1 : body['quantity'];
      if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 1) {
        throw deps.badRequest('The quantity must be at least 1.', 'quantity');
      }
      const order = deps.createOrder({ amount: body['amount'], currency: 'INR' });
      const sub =
        subscriptions.get(id) ??
        ({
          id,
          entity: 'subscription',
          plan_id: typeof body['plan_id'] === 'string' ? body['plan_id'] : deps.id('plan'),
          customer_id: typeof body['customer_id'] === 'string' ? body['customer_id'] : deps.id('cust'),
          status: 'active',
          current_start: null,
          current_end: null,
          ended_at: null,
          quantity,
          notes: [],
          charge_at: null,
          start_at: start,
          end_at: null,
          auth_attempts: 0,
          total_count: 12,
          paid_count: 0,
          customer_notify: true,
          created_at: deps.now(),
          expire_by: null,
          short_url: null,
          has_scheduled_changes: false,
          change_scheduled_at: null,
          source: 'api',
          payment_method: 'card',
          offer_id: null,
          remaining_count: 12,
        } satisfies SimSubscription);
      subscriptions.set(id, sub);
      sub.paid_count += 1;
      Object.assign(sub, {
        status: 'active',
        current_start: start,
        current_end: end,
        charge_at: end,
        remaining_count: Math.max(Number(sub['total_count']) - sub.paid_count, 0),
      });
      const { fee, tax } = deps.fee(order.amount);
      const cardId = deps.id('card');
      const payment = {
        id: deps.id('pay'),
        entity: 'payment',
        amount: order.amount,
        currency: order.currency,
        status: 'captured',
        order_id: order.id,
        invoice_id: deps.id('inv'),
        international: false,
        method: 'card',
        amount_refunded: 0,
        refund_status: null,
        captured: true,
        description: `Subscription ${id}`,
        card_id: cardId,
        card: {
          id: cardId,
          entity: 'card',
          name: '',
          last4: '1111',
          network: 'Visa',
          type: 'credit',
          issuer: null,
          international: false,
          emi: false,
        },
        bank: null,
        wallet: null,
        vpa: null,
        email: '',
        contact: '',
        customer_id: sub['customer_id'],
        token_id: deps.id('token'),
        notes: [],
        fee,
        tax,
        error_code: null,
        error_description: null,
        error_source: null,
        error_step: null,
        error_reason: null,
        acquirer_data: { auth_code: null },
        created_at: deps.now(),
      };
      deps.storePayment(payment);
      deps.markOrderPaid(order.id, order.amount);
      deps.emit('payment.captured', { payment });
      deps.emit('subscription.charged', { subscription: sub, payment });
      return { subscription: structuredClone(sub), payment: structuredClone(payment) };
    },
  };
}
