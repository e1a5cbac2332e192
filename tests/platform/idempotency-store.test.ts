import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { createIdempotencyStore, type IdempotencyStore } from '../../platform/idempotency.js';
import { openTestDb } from '../support/db.js';

/** The key row's phases and locks, straight against PostgreSQL (platform/idempotency.ts). */
describe('idempotency store: recovery points and the lock', () => {
  const clock = fixedClock(new Date('2026-06-01T04:30:00Z'));
  let db: Db;
  let store: IdempotencyStore;
  const request = { apiKeyId: 'key_1', method: 'POST', path: '/v1/orders', hash: 'h1' };
  beforeAll(async () => {
    db = await openTestDb();
    store = createIdempotencyStore({ db, clock, lockTimeoutMs: 60_000 });
  });
  afterAll(async () => db.close());

  it('when a request dies after a phase → a retry within the lock is busy; after it, the retry resumes at that phase', async () => {
    const first = await store.claim({ ...request, key: 'k-resume' });
    if (first.kind !== 'claimed') throw new Error(first.kind);
    expect(first.resumed).toBeNull();
    const recovery = store.recovery({ apiKeyId: 'key_1', key: 'k-resume', token: first.token }, null);
    await db.transaction((tx) => recovery.reached(tx, 'order_created', 'ord_1'));
    clock.advance(30_000);
    expect((await store.claim({ ...request, key: 'k-resume' })).kind).toBe('in_use');
    clock.advance(31_000);
    const retry = await store.claim({ ...request, key: 'k-resume' });
    expect(retry).toMatchObject({ kind: 'claimed', resumed: { point: 'order_created', resourceId: 'ord_1' } });
  });

  it('when a dead request is retried with another body → 422 reused, never a resume of the other request', async () => {
    const first = await store.claim({ ...request, key: 'k-other' });
    if (first.kind !== 'claimed') throw new Error(first.kind);
    clock.advance(61_000);
    expect((await store.claim({ ...request, key: 'k-other', hash: 'h2' })).kind).toBe('reused');
  });

  it('when a request has lost its key to a retry → its phase is refused and its work rolled back', async () => {
    const first = await store.claim({ ...request, key: 'k-lost' });
    if (first.kind !== 'claimed') throw new Error(first.kind);
    clock.advance(61_000);
    const second = await store.claim({ ...request, key: 'k-lost' });
    expect(second.kind).toBe('claimed');
    const stale = store.recovery({ apiKeyId: 'key_1', key: 'k-lost', token: first.token }, null);
    await db.run('CREATE TABLE IF NOT EXISTS phase_work (id TEXT)');
    const phase = db.transaction(async (tx) => {
      await tx.run("INSERT INTO phase_work VALUES ('w1')");
      await stale.reached(tx, 'order_created', 'ord_x');
    });
    await expect(phase).rejects.toMatchObject({ code: 'idempotency_key_in_use' });
    expect(await db.all('SELECT id FROM phase_work')).toEqual([]);
    // The stale request cannot store an answer either; the live one can.
    await store.complete({
      apiKeyId: 'key_1',
      key: 'k-lost',
      token: first.token,
      status: 201,
      contentType: 'application/json',
      body: '{"stale":true}',
    });
    if (second.kind !== 'claimed') throw new Error(second.kind);
    await store.complete({
      apiKeyId: 'key_1',
      key: 'k-lost',
      token: second.token,
      status: 201,
      contentType: 'application/json',
      body: '{"live":true}',
    });
    expect(await store.claim({ ...request, key: 'k-lost' })).toMatchObject({ kind: 'replay', body: '{"live":true}' });
  });

  it('when a request ends in a 5xx → nothing is stored and the next retry resumes at once', async () => {
    const first = await store.claim({ ...request, key: 'k-5xx' });
    if (first.kind !== 'claimed') throw new Error(first.kind);
    const held = { apiKeyId: 'key_1', key: 'k-5xx', token: first.token };
    await db.transaction((tx) => store.recovery(held, null).reached(tx, 'payment_created', 'pay_1'));
    await store.unlock(held);
    expect(await store.claim({ ...request, key: 'k-5xx' })).toMatchObject({
      kind: 'claimed',
      resumed: { point: 'payment_created', resourceId: 'pay_1' },
    });
  });
});
