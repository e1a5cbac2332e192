import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, razorpayEvent, seedParent, startHarness } from '../support/harness.js';

type Command =
  | { kind: 'capture' }
  | { kind: 'refund'; amount: number }
  | { kind: 'captured_webhook'; eventId: number }
  | { kind: 'refund_webhook'; status: 'processed' | 'failed'; pick: number; eventId: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.constant({ kind: 'capture' as const }),
  fc.integer({ min: 1, max: 40_000 }).map((amount) => ({ kind: 'refund' as const, amount })),
  fc.integer({ min: 0, max: 3 }).map((eventId) => ({ kind: 'captured_webhook' as const, eventId })),
  fc
    .record({
      status: fc.constantFrom('processed' as const, 'failed' as const),
      pick: fc.nat(5),
      eventId: fc.integer({ min: 0, max: 3 }),
    })
    .map((r) => ({ kind: 'refund_webhook' as const, ...r })),
);

describe('ledger property', () => {
  let h: Harness;
  let parent: Awaited<ReturnType<typeof seedParent>>;
  let run = 0;
  beforeAll(async () => {
    h = await startHarness({ simulator: { refundProcessingMs: null } });
    parent = await seedParent(h);
  });
  afterAll(async () => h.close());

  it('when any sequence of captures, refunds and (duplicate) webhook deliveries happens → the ledger balances and no payment is refunded beyond its capture', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 10 }), async (commands) => {
        run++;
        const amount = 100_000;
        const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount });
        const payment = await h.api('POST', '/v1/payments', {
          order_id: order.body.id,
          payment_method_id: parent.methodId,
          capture: 'manual',
        });
        expect(payment.body.status).toBe('authorized');
        const id = payment.body.id as string;
        const gatewayId = payment.body.gateway_payment_id as string;
        for (const c of commands) {
          const current = (await h.api('GET', `/v1/payments/${id}`)).body;
          const entity = {
            id: gatewayId,
            entity: 'payment',
            amount,
            currency: 'INR',
            order_id: order.body.gateway_order_id,
            method: 'card',
            notes: { kosh_id: id },
          };
          if (c.kind === 'capture') {
            const res = await h.api('POST', `/v1/payments/${id}/capture`, {});
            expect([200]).toContain(res.status);
          } else if (c.kind === 'refund') {
            const res = await h.api('POST', '/v1/refunds', { payment_id: id, amount: c.amount });
            const refundable = current.amount_captured - current.amount_refunded;
            if (current.status !== 'captured') expect(res.status).toBe(409);
            else if (c.amount > refundable) expect(res.body.code).toBe('refund_exceeds_captured');
            else expect(res.status).toBe(201);
          } else if (c.kind === 'captured_webhook') {
            if (current.status !== 'captured') continue; // Razorpay only says captured after a capture
            const body = razorpayEvent('payment.captured', {
              payment: { ...entity, status: 'captured', captured: true, fee: current.fee, tax: current.tax },
            });
            expect((await h.deliver(body, `evt_prop_${run}_cap_${c.eventId}`)).status).toBe(200);
          } else {
            const refunds = (await h.api('GET', `/v1/refunds?payment_id=${id}&limit=100`)).body.data;
            const target = refunds[c.pick % Math.max(refunds.length, 1)];
            if (target === undefined || target.gateway_refund_id === null) continue;
            const body = razorpayEvent(`refund.${c.status}`, {
              refund: {
                id: target.gateway_refund_id,
                entity: 'refund',
                amount: target.amount,
                currency: 'INR',
                payment_id: gatewayId,
                receipt: target.id,
                notes: [],
                status: c.status,
              },
              payment: { ...entity, status: 'captured', captured: true },
            });
            expect((await h.deliver(body, `evt_prop_${run}_rf_${target.id}_${c.status}_${c.eventId}`)).status).toBe(
              200,
            );
          }
        }
        await h.settle();
        const ledger = (await h.api('GET', '/v1/ledger/balances')).body;
        expect(ledger.balanced).toBe(true);
        expect(ledger.totals.every((t: { total: number }) => t.total === 0)).toBe(true);
        const final = (await h.api('GET', `/v1/payments/${id}`)).body;
        const refunds = (await h.api('GET', `/v1/refunds?payment_id=${id}&limit=100`)).body.data as {
          status: string;
          amount: number;
        }[];
        const live = refunds.filter((r) => r.status !== 'failed').reduce((s, r) => s + r.amount, 0);
        expect(final.amount_refunded).toBe(live);
        expect(final.amount_refunded).toBeLessThanOrEqual(final.amount_captured);
        const captures = await h.db.all("SELECT id FROM journal_entries WHERE kind = 'capture' AND ref_id = $id", {
          id,
        });
        expect(captures).toHaveLength(final.status === 'captured' ? 1 : 0);
      }),
      { numRuns: 15 },
    );
  });
});
