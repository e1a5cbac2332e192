import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, seedParent, startHarness } from '../support/harness.js';

const PAN = '4111111111111111';
const SPACED_PAN = '5267 3181 8797 5449';

describe('card data is never accepted', () => {
  let h: Harness;
  let dir: string;
  let parent: Awaited<ReturnType<typeof seedParent>>;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kosh-pan-'));
    h = await startHarness({ dbPath: path.join(dir, 'kosh.duckdb') });
    parent = await seedParent(h);
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when a PAN or CVV appears in any field of any request → 422 card_data_not_accepted naming the field, and nothing is written', async () => {
    const before = (await h.db.one<{ n: number }>('SELECT count(*)::BIGINT AS n FROM payment_methods'))?.n;
    const attempts: [string, string, unknown, string][] = [
      [
        'POST',
        `/v1/customers/${parent.customerId}/payment-methods`,
        { type: 'card', gateway_token: PAN, card_last4: '1111', card_exp_month: 1, card_exp_year: 2030 },
        '/gateway_token',
      ],
      [
        'POST',
        `/v1/customers/${parent.customerId}/payment-methods`,
        { type: 'card', gateway_token: 'tok_x', card_number: SPACED_PAN },
        '/card_number',
      ],
      [
        'POST',
        '/v1/customers',
        { school_id: parent.schoolId, name: `Asha ${PAN}`, email: 'a@b.in', phone: '+919876543210', state_code: 'KA' },
        '/name',
      ],
      [
        'POST',
        '/v1/orders',
        { customer_id: parent.customerId, amount: 1000, notes: { card: `${PAN}` } },
        '/notes/card',
      ],
      ['POST', '/v1/orders', { customer_id: parent.customerId, amount: 1000, notes: { cvv: '123' } }, '/notes/cvv'],
      ['POST', '/v1/payments', `{"order_id":"ord_x","vpa":"a@okicici","device_id":${PAN}}`, '/device_id'],
    ];
    for (const [method, url, body, field] of attempts) {
      const res = await h.api(method as 'POST', url, body, { 'idempotency-key': `pan-${field}` });
      expect(res.status, `${url} ${field}`).toBe(422);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.code).toBe('card_data_not_accepted');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(JSON.stringify(res.body)).not.toContain(PAN);
    }
    const query = await h.api('GET', `/v1/payments?limit=1&q=${PAN}`);
    expect(query.status).toBe(422);
    expect((await h.db.one<{ n: number }>('SELECT count(*)::BIGINT AS n FROM payment_methods'))?.n).toBe(before);
  });

  it('when the logs and the database file are searched afterwards → no card number is in either', async () => {
    const logs = h.logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    for (const needle of [PAN, SPACED_PAN, SPACED_PAN.replace(/ /g, '')]) expect(logs).not.toContain(needle);
    await h.db.run('CHECKPOINT');
    for (const file of readdirSync(dir)) {
      const bytes = readFileSync(path.join(dir, file));
      for (const needle of [PAN, SPACED_PAN.replace(/ /g, ''), SPACED_PAN]) {
        expect(bytes.includes(Buffer.from(needle)), `${file} holds ${needle}`).toBe(false);
      }
    }
  });
});
