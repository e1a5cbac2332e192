import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, seedParent, startHarness } from '../../support/harness.js';

const MEALS = {
  name: 'School lunch',
  description: 'Hot lunch every school day',
  interval: 'monthly',
  amount: 300_000,
  per_unit: true,
  unit_label: 'student',
  tax_category: 'gst_exempt_school_meals',
};

describe('subscription plans', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('when a plan is created, read and listed → it carries every field with defaults', async () => {
    const created = await h.api('POST', '/v1/subscription-plans', { ...MEALS, trial_days: 7, setup_fee: 50_000 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      object: 'subscription_plan',
      interval: 'monthly',
      interval_count: 1,
      amount: 300_000,
      currency: 'INR',
      price_version: 1,
      trial_days: 7,
      setup_fee: 50_000,
      per_unit: true,
      unit_label: 'student',
      tax_category: 'gst_exempt_school_meals',
      gst_rate_bp: null,
      hsn_sac: '996337',
      uqc: 'NOS',
      exemption_basis: expect.stringContaining('entry 66(b)(ii)'),
      status: 'active',
      archived_at: null,
    });
    const gst = await h.api('POST', '/v1/subscription-plans', {
      name: 'Snacks',
      interval: 'quarterly',
      interval_count: 2,
      amount: 90_000,
      tax_category: 'gst',
      gst_rate_bp: 500,
      hsn_sac: '996331',
      uqc: 'OTH',
    });
    expect(gst.body).toMatchObject({
      tax_category: 'gst',
      gst_rate_bp: 500,
      per_unit: false,
      interval_count: 2,
      hsn_sac: '996331',
      uqc: 'OTH',
      exemption_basis: null,
    });
    expect((await h.api('GET', `/v1/subscription-plans/${created.body.id}`)).body).toEqual(created.body);
    const list = await h.api('GET', '/v1/subscription-plans?limit=1');
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([gst.body.id]);
    expect(list.body.has_more).toBe(true);
    const next = await h.api('GET', `/v1/subscription-plans?limit=1&starting_after=${gst.body.id}`);
    expect(next.body.data[0].id).toBe(created.body.id);
  });

  it('when input is bad → 400 for the shape and 422 for the tax rules, naming the field, and nothing is written', async () => {
    const before = (await h.db.one<{ n: number }>('SELECT count(*)::BIGINT AS n FROM subscription_plans'))?.n;
    const shape = await h.api('POST', '/v1/subscription-plans', { ...MEALS, interval: 'daily', amount: 12.5 });
    expect(shape.status).toBe(400);
    expect(shape.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['/interval', '/amount']),
    );
    const currency = await h.api('POST', '/v1/subscription-plans', { ...MEALS, currency: 'USD' });
    expect(currency.status).toBe(400);
    expect(currency.body.errors[0].field).toBe('/currency');
    // Unpinned, a GST plan bills at the rate table's rate for its code: a code the table does not know needs a pin.
    const noRate = await h.api('POST', '/v1/subscription-plans', { ...MEALS, tax_category: 'gst', hsn_sac: '999293' });
    expect(noRate.status).toBe(422);
    expect(noRate.body.errors[0]).toMatchObject({ field: '/gst_rate_bp', code: 'required' });
    const oddRate = await h.api('POST', '/v1/subscription-plans', { ...MEALS, tax_category: 'gst', gst_rate_bp: 700 });
    expect(oddRate.body.errors[0]).toMatchObject({ field: '/gst_rate_bp', code: 'unknown_gst_rate' });
    const exemptWithRate = await h.api('POST', '/v1/subscription-plans', { ...MEALS, gst_rate_bp: 1800 });
    expect(exemptWithRate.status).toBe(422);
    const unit = await h.api('POST', '/v1/subscription-plans', { ...MEALS, uqc: 'LTR' }); // litres are MLT or KLR
    expect(unit.status).toBe(422);
    expect(unit.body.errors[0]).toMatchObject({ field: '/uqc', code: 'invalid_uqc' });
    const declared = await h.api('POST', '/v1/subscription-plans', {
      ...MEALS,
      tax_category: 'gst',
      gst_rate_bp: 500,
      exemption_basis: 'entry 66, we think',
    });
    expect(declared.status).toBe(422);
    expect(declared.body.errors[0]).toMatchObject({ field: '/exemption_basis', code: 'not_allowed' });
    expect((await h.db.one<{ n: number }>('SELECT count(*)::BIGINT AS n FROM subscription_plans'))?.n).toBe(before);
  });

  it('when the price changes → a new price version; existing subscribers keep their price; an archived plan takes none', async () => {
    const parent = await seedParent(h);
    const plan = (await h.api('POST', '/v1/subscription-plans', MEALS)).body;
    const sub = await h.api('POST', '/v1/subscriptions', {
      customer_id: parent.customerId,
      plan_id: plan.id,
      quantity: 2,
    });
    expect(sub.body).toMatchObject({ unit_amount: 300_000, amount: 600_000, plan_price_version: 1 });
    const renamed = await h.api('PATCH', `/v1/subscription-plans/${plan.id}`, { name: 'School lunch 2027' });
    expect(renamed.body).toMatchObject({ name: 'School lunch 2027', price_version: 1 });
    const repriced = await h.api('PATCH', `/v1/subscription-plans/${plan.id}`, { amount: 350_000 });
    expect(repriced.body).toMatchObject({ amount: 350_000, price_version: 2 });
    const prices = await h.db.all(
      'SELECT version, amount_minor FROM subscription_plan_prices WHERE plan_id = $id ORDER BY version',
      {
        id: plan.id,
      },
    );
    expect(prices).toEqual([
      { version: 1, amount_minor: 300_000 },
      { version: 2, amount_minor: 350_000 },
    ]);
    expect((await h.api('GET', `/v1/subscriptions/${sub.body.id}`)).body).toMatchObject({
      unit_amount: 300_000,
      plan_price_version: 1,
    });
    const newer = await h.api('POST', '/v1/subscriptions', { customer_id: parent.customerId, plan_id: plan.id });
    expect(newer.body).toMatchObject({ unit_amount: 350_000, plan_price_version: 2 });

    const archived = await h.api('POST', `/v1/subscription-plans/${plan.id}/archive`);
    expect(archived.body).toMatchObject({ status: 'archived' });
    expect((await h.api('POST', `/v1/subscription-plans/${plan.id}/archive`)).body.status).toBe('archived');
    const refused = await h.api('POST', '/v1/subscriptions', { customer_id: parent.customerId, plan_id: plan.id });
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0]).toMatchObject({ field: '/plan_id', code: 'subscription_plan_archived' });
    expect((await h.api('PATCH', `/v1/subscription-plans/${plan.id}`, { name: 'x' })).body.code).toBe(
      'subscription_plan_archived',
    );
    expect((await h.api('GET', `/v1/subscriptions/${sub.body.id}`)).body.status).toBe('active');
    expect(
      (await h.api('GET', '/v1/subscription-plans?status=archived')).body.data.map((p: { id: string }) => p.id),
    ).toEqual([plan.id]);
  });

  it('when a key lacks billing:admin → it may read plans but not write them', async () => {
    const reader = await h.keyWith(['payments:read']);
    const auth = { authorization: `Bearer ${reader}` };
    expect((await h.api('POST', '/v1/subscription-plans', MEALS, auth)).status).toBe(403);
    expect((await h.api('GET', '/v1/subscription-plans', undefined, auth)).status).toBe(200);
    const billing = await h.keyWith(['billing:admin']);
    expect((await h.api('POST', '/v1/subscription-plans', MEALS, { authorization: `Bearer ${billing}` })).status).toBe(
      201,
    );
    expect((await h.api('GET', '/v1/subscription-plans/splan_Missing0001')).body.code).toBe(
      'subscription_plan_not_found',
    );
  });
});
