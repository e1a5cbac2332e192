import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../platform/clock.js';
import { gatewayCustomerOf, type Harness, SUCCESS_CARD, seedParent, startHarness } from '../support/harness.js';

describe('saved cards and their expiry', () => {
  // 1 Dec 2026 00:30 IST is still 30 Nov in UTC: the month is IST's.
  const clock = fixedClock(new Date('2026-11-30T19:00:00Z'));
  let h: Harness;
  let customerId: string;
  beforeAll(async () => {
    h = await startHarness({ clock });
    customerId = (await seedParent(h)).customerId;
  });
  afterAll(async () => h.close());

  // The expiry kosh keeps is the gateway's: the card is tokenised with it, as the checkout would save it.
  const card = async (month: number, year: number) => {
    const token = await h.tokenize(await gatewayCustomerOf(h, customerId), SUCCESS_CARD, { month, year });
    return h.api('POST', `/v1/customers/${customerId}/payment-methods`, {
      type: 'card',
      gateway_token: token.id,
      card_network: token.network,
      card_last4: token.last4,
      card_exp_month: month,
      card_exp_year: year,
    });
  };

  it('when a card past its expiry month is saved → 422 card_expired naming /card_exp_year, and nothing is saved', async () => {
    const before = (await h.api('GET', `/v1/customers/${customerId}/payment-methods`)).body.data.length;
    // The gateway refuses to tokenise an expired card at all; a token saved while good can be past its month by the
    // time it reaches kosh: tokenised in November, brought to kosh in January.
    const token = await h.tokenize(await gatewayCustomerOf(h, customerId), SUCCESS_CARD, { month: 12, year: 2026 });
    clock.set(new Date('2027-01-01T00:30:00Z'));
    try {
      const res = await h.api('POST', `/v1/customers/${customerId}/payment-methods`, {
        type: 'card',
        gateway_token: token.id,
        card_network: token.network,
        card_last4: token.last4,
        card_exp_month: 12,
        card_exp_year: 2026,
      });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('card_expired');
      expect(res.body.errors[0].field).toBe('/card_exp_year');
    } finally {
      clock.set(new Date('2026-11-30T19:00:00Z'));
    }
    expect((await h.api('GET', `/v1/customers/${customerId}/payment-methods`)).body.data).toHaveLength(before);
  });

  it('when a card expires at the end of this month (IST) → it is saved; moving its expiry into the past is refused', async () => {
    const saved = await card(12, 2026);
    expect(saved.status).toBe(201);
    const back = await h.api('PATCH', `/v1/customers/${customerId}/payment-methods/${saved.body.id}`, {
      card_exp_month: 10,
    });
    expect(back.status).toBe(422);
    expect(back.body.code).toBe('card_expired');
    const get = (await h.api('GET', `/v1/customers/${customerId}/payment-methods`)).body.data;
    expect(get.find((m: { id: string }) => m.id === saved.body.id)).toMatchObject({ card_exp_month: 12 });
  });
});
