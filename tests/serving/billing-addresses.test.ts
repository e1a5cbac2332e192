import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../platform/clock.js';
import { type Harness, startHarness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ clock: fixedClock(new Date('2026-05-10T06:30:00Z')) });
});
afterAll(async () => {
  await h.close();
});

const ADDRESS = {
  line1: '12, 4th Cross',
  line2: 'Indiranagar',
  city: 'Bengaluru',
  state_code: '29',
  postal_code: '560038',
};

describe('billing addresses over HTTP', () => {
  it('when a school and a customer are created with an address and it is changed → each read shows the latest', async () => {
    const school = await h.api('POST', '/v1/schools', {
      name: 'Lakeside School',
      city: 'Bengaluru',
      state_code: 'KA',
      billing_address: { ...ADDRESS, line1: '1 School Lane' },
    });
    expect(school.status).toBe(201);
    expect(school.body.billing_address).toEqual({ ...ADDRESS, line1: '1 School Lane' });
    const customer = await h.api('POST', '/v1/customers', {
      school_id: school.body.id,
      name: 'सीमा शर्मा',
      email: 'seema@example.in',
      phone: '+919876500001',
      state_code: 'KA',
    });
    expect(customer.status).toBe(201);
    expect(customer.body.billing_address).toBeNull();
    const id = customer.body.id as string;
    const moved = await h.api('PATCH', `/v1/customers/${id}`, {
      billing_address: { line1: '5 FC Road', city: 'Pune', state_code: '27', postal_code: '411004' },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.billing_address).toEqual({
      line1: '5 FC Road',
      line2: null,
      city: 'Pune',
      state_code: '27',
      postal_code: '411004',
    });
    expect((await h.api('GET', `/v1/customers/${id}`)).body.billing_address).toMatchObject({ city: 'Pune' });
    const cleared = await h.api('PATCH', `/v1/customers/${id}`, { billing_address: null });
    expect(cleared.body.billing_address).toBeNull();
    const schoolMoved = await h.api('PATCH', `/v1/schools/${school.body.id}`, { billing_address: ADDRESS });
    expect(schoolMoved.body.billing_address).toEqual(ADDRESS);
  });

  it('when an address has an unknown state, a bad PIN or an ISO state code → 422 or 400 naming the field, nothing stored', async () => {
    const { body: school } = await h.api('POST', '/v1/schools', {
      name: 'Hill School',
      city: 'Ooty',
      state_code: 'TN',
    });
    // 98 is no GST state code; the shape is right, so the domain answers 422.
    const unknownState = await h.api('PATCH', `/v1/schools/${school.id}`, {
      billing_address: { ...ADDRESS, state_code: '98' },
    });
    expect(unknownState.status).toBe(422);
    expect(String(unknownState.headers['content-type'])).toMatch(/problem\+json/);
    expect(unknownState.body.errors[0]).toMatchObject({
      field: '/billing_address/state_code',
      code: 'invalid_state_code',
    });
    // "KA" is an ISO code, not the two-digit GST code: the schema refuses it (400, the field named).
    const iso = await h.api('PATCH', `/v1/schools/${school.id}`, { billing_address: { ...ADDRESS, state_code: 'KA' } });
    expect(iso.status).toBe(400);
    expect(JSON.stringify(iso.body.errors)).toContain('state_code');
    const pin = await h.api('PATCH', `/v1/schools/${school.id}`, {
      billing_address: { ...ADDRESS, postal_code: '012345' },
    });
    expect(pin.status).toBe(400);
    expect(JSON.stringify(pin.body.errors)).toContain('postal_code');
    expect((await h.api('GET', `/v1/schools/${school.id}`)).body.billing_address).toBeNull();
    expect((await h.api('PATCH', '/v1/customers/cus_nobody0000000', { billing_address: ADDRESS })).status).toBe(404);
  });

  it('when a customer registers with a GSTIN → it is kept with their address; a bad GSTIN, or none or a removed address, is refused naming the field', async () => {
    const { body: school } = await h.api('POST', '/v1/schools', {
      name: 'Ridge School',
      city: 'Mysuru',
      state_code: 'KA',
    });
    const base = {
      school_id: school.id,
      name: 'Annapurna Caterers LLP',
      email: 'accounts@annapurna.example.in',
      phone: '+919876500002',
      state_code: 'KA',
    };
    // 27AAPFU0939F1ZV: a Maharashtra GSTIN with its mod-36 check character; …ZA fails the check.
    const badCheck = await h.api('POST', '/v1/customers', {
      ...base,
      gstin: '27AAPFU0939F1ZA',
      billing_address: ADDRESS,
    });
    expect([badCheck.status, badCheck.body.errors[0]?.field]).toEqual([422, '/gstin']);
    const noAddress = await h.api('POST', '/v1/customers', { ...base, gstin: '27AAPFU0939F1ZV' });
    expect([noAddress.status, noAddress.body.errors[0]]).toEqual([
      422,
      expect.objectContaining({ field: '/billing_address', code: 'billing_address_required' }),
    ]);
    const made = await h.api('POST', '/v1/customers', { ...base, gstin: '27AAPFU0939F1ZV', billing_address: ADDRESS });
    expect([made.status, made.body.gstin]).toEqual([201, '27AAPFU0939F1ZV']);
    const removed = await h.api('PATCH', `/v1/customers/${made.body.id}`, { billing_address: null });
    expect([removed.status, removed.body.errors[0]?.field]).toEqual([422, '/billing_address']);
    expect((await h.api('GET', `/v1/customers/${made.body.id}`)).body).toMatchObject({
      gstin: '27AAPFU0939F1ZV',
      billing_address: { city: 'Bengaluru' },
    });
  });
});
