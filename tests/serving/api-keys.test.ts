import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.js';
import { fixedClock } from '../../platform/clock.js';
import { KEY_CACHE_MS } from '../../serving/plugins/auth.js';
import { type Harness, startHarness } from '../support/harness.js';

describe('API keys: list, rotate, revoke', () => {
  const clock = fixedClock(new Date('2026-06-01T04:30:00Z'));
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ clock });
  });
  afterAll(async () => h.close());

  const as = async (secret: string) =>
    (await h.app.inject({ url: '/v1/payments', headers: { authorization: `Bearer ${secret}` } })).statusCode;

  it('when a key is rotated with a grace period → both work until it ends, then only the new one; listed without secrets', async () => {
    const created = await h.api('POST', '/v1/api-keys', { name: 'checkout', scopes: ['payments:read'] });
    expect(created.status).toBe(201);
    const old = created.body as { id: string; secret: string };
    expect(await as(old.secret)).toBe(200);

    const rotated = await h.api('POST', `/v1/api-keys/${old.id}/rotate`, { expires_in_seconds: 3600 });
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({
      object: 'api_key',
      name: 'checkout',
      scopes: ['payments:read'],
      status: 'active',
      previous: { id: old.id, status: 'expiring', expires_at: '2026-06-01T05:30:00.000Z', revoked_at: null },
    });
    const fresh = rotated.body as { id: string; secret: string };
    expect(fresh.secret).toMatch(/^kosh_/);
    expect(await as(old.secret)).toBe(200);
    expect(await as(fresh.secret)).toBe(200);
    // A key already rolled is not rolled again: its successor is.
    const again = await h.api('POST', `/v1/api-keys/${old.id}/rotate`, {});
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'api_key_already_rotated', api_key_status: 'expiring' });

    const listed = await h.api('GET', '/v1/api-keys');
    const mine = listed.body.data.filter((k: { name: string }) => k.name === 'checkout');
    expect(mine.map((k: { id: string; status: string }) => [k.id, k.status]).sort()).toEqual(
      [
        [fresh.id, 'active'],
        [old.id, 'expiring'],
      ].sort(),
    );
    expect(JSON.stringify(listed.body)).not.toMatch(/kosh_[A-Za-z0-9_-]{20}|key_hash|secret/);

    // Past the grace period and the auth plugin's key cache (KEY_CACHE_MS, on the app's clock).
    clock.advance(3600_000 + KEY_CACHE_MS);
    expect(await as(old.secret)).toBe(401);
    expect(await as(fresh.secret)).toBe(200);
    const active = (await h.api('GET', '/v1/api-keys')).body.data.map((k: { id: string }) => k.id);
    expect(active).not.toContain(old.id);
    const all = (await h.api('GET', '/v1/api-keys?include_revoked=true')).body.data;
    expect(all.find((k: { id: string }) => k.id === old.id)).toMatchObject({
      status: 'revoked',
      revoked_at: '2026-06-01T05:30:00.000Z',
    });
    expect((await h.api('POST', `/v1/api-keys/${old.id}/rotate`, {})).body.code).toBe('api_key_revoked');
  });

  it('when a key is revoked → still served from the auth cache until KEY_CACHE_MS has passed on the clock, then 401', async () => {
    const { id, secret } = (await h.api('POST', '/v1/api-keys', { name: 'cached', scopes: ['payments:read'] })).body;
    expect(await as(secret)).toBe(200);
    expect((await h.api('POST', `/v1/api-keys/${id}/revoke`)).status).toBe(200);
    // The revocation is in the database; this process trusts its cached lookup for at most KEY_CACHE_MS.
    expect(await as(secret)).toBe(200);
    clock.advance(KEY_CACHE_MS - 1);
    expect(await as(secret)).toBe(200);
    clock.advance(1);
    expect(await as(secret)).toBe(401);
  });

  it('when a key is revoked → refused within KEY_CACHE_MS, revoking again changes nothing; unknown ids are 404', async () => {
    const { id, secret } = (await h.api('POST', '/v1/api-keys', { name: 'leaked', scopes: ['payments:read'] })).body;
    expect(await as(secret)).toBe(200);
    const revoked = await h.api('POST', `/v1/api-keys/${id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id, status: 'revoked', revoked_at: clock.now().toISOString() });
    clock.advance(KEY_CACHE_MS);
    expect(await as(secret)).toBe(401);
    clock.advance(60_000);
    const twice = await h.api('POST', `/v1/api-keys/${id}/revoke`);
    expect(twice.body.revoked_at).toBe(revoked.body.revoked_at);
    expect((await h.api('POST', '/v1/api-keys/key_nope/revoke')).status).toBe(404);
    const bad = await h.api('POST', '/v1/api-keys/pay_1/revoke');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('/params/id');
    const grace = await h.api('POST', `/v1/api-keys/${id}/rotate`, { expires_in_seconds: -1 });
    expect(grace.status).toBe(400);
    expect(grace.body.errors[0].field).toBe('/expires_in_seconds');
  });

  it('when a key is used → last_used_at shows it, written at most once a minute on the clock', async () => {
    const { id, secret } = (await h.api('POST', '/v1/api-keys', { name: 'usage', scopes: ['payments:read'] })).body;
    const lastUsed = async () =>
      (await h.api('GET', '/v1/api-keys')).body.data.find((k: { id: string }) => k.id === id).last_used_at;
    expect(await lastUsed()).toBeNull();
    const first = clock.now().toISOString();
    expect(await as(secret)).toBe(200);
    expect(await lastUsed()).toBe(first);
    clock.advance(59_999);
    expect(await as(secret)).toBe(200);
    expect(await as(secret)).toBe(200);
    expect(await lastUsed()).toBe(first); // within the minute: not written again
    clock.advance(1);
    const later = clock.now().toISOString();
    expect(await as(secret)).toBe(200);
    expect(await lastUsed()).toBe(later);
    // A refused request (wrong scope) is no use of the key.
    clock.advance(120_000);
    expect(
      (await h.app.inject({ method: 'GET', url: '/v1/api-keys', headers: { authorization: `Bearer ${secret}` } }))
        .statusCode,
    ).toBe(403);
    expect(await lastUsed()).toBe(later);
  });

  it('when the server runs → kosh keys list, rotate and revoke work on the same database', async () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((m: unknown) => out.push(String(m)));
    vi.spyOn(console, 'error').mockImplementation((m: unknown) => out.push(String(m)));
    const dir = mkdtempSync(path.join(tmpdir(), 'kosh-keys-'));
    const env = { KOSH_DATA_DIR: dir, KOSH_DATABASE_URL: h.databaseUrl, LOG_LEVEL: 'silent' };
    try {
      const { id } = (await h.api('POST', '/v1/api-keys', { name: 'reports', scopes: ['analytics:read'] })).body;
      expect(await main(['keys', 'list', '--json'], env)).toBe(0);
      const listed = JSON.parse(out.join('\n')) as { id: string; name: string }[];
      expect(listed.find((k) => k.id === id)).toMatchObject({ name: 'reports', status: 'active', last_used_at: null });
      out.length = 0;
      expect(await main(['keys', 'list'], env)).toBe(0);
      expect(out.find((l) => l.startsWith(`${id} `))).toContain('never used');
      expect(out.find((l) => l.includes(' admin ') || l.endsWith('[admin]'))).toMatch(/last used \d{4}-\d\d-\d\dT/);
      out.length = 0;
      expect(await main(['keys', 'rotate', id], env)).toBe(0);
      expect(out.join('\n')).toMatch(new RegExp(`secret \\(shown once\\): kosh_\\S+\\n${id} revoked now`));
      const successor = /created (key_\w+)/.exec(out.join('\n'))?.[1] ?? '';
      out.length = 0;
      expect(await main(['keys', 'revoke', successor], env)).toBe(0);
      expect(out.join('\n')).toContain(`revoked ${successor} (reports)`);
      expect(await main(['keys', 'revoke'], env)).toBe(2);
      expect(await main(['keys', 'revoke', 'key_nope'], env)).toBe(1);
    } finally {
      vi.restoreAllMocks();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
