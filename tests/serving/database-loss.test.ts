import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dropTestDatabase, testServerUrl } from '../support/db.js';
import { type Harness, startHarness } from '../support/harness.js';

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: testServerUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const SCHOOL = { name: 'Greenwood High', city: 'Bengaluru', state_code: 'KA', gstin: '29ABCDE1234F1Z5' };

describe('the database goes away under a running kosh, and comes back', () => {
  let h: Harness;
  let url: string;
  let name: string;
  beforeAll(async () => {
    url = await createTestDatabase();
    name = new URL(url).pathname.slice(1);
    h = await startHarness({ databaseUrl: url });
  });
  afterAll(async () => {
    await h.close();
    await dropTestDatabase(url);
  });

  it('when the database disappears → writes answer 503 problem+json with Retry-After, /readyz fails; when it returns → kosh serves again by itself', async () => {
    expect((await h.api('POST', '/v1/schools', SCHOOL)).status).toBe(201);
    expect((await h.api('GET', '/readyz')).status).toBe(200);

    // Gone from under kosh: its connections killed, the database no longer there under its name. kosh's pool (its
    // feed reader polls every 200 ms) may reconnect between the two statements, which makes the rename refuse
    // ("being accessed by other users"): kill and rename again until it takes.
    for (let attempt = 1; ; attempt++) {
      await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
      const renamed = await admin(`ALTER DATABASE ${name} RENAME TO ${name}_away`).then(
        () => true,
        (err: { code?: string }) => {
          if (err.code !== '55006' || attempt >= 20) throw err;
          return false;
        },
      );
      if (renamed) break;
    }
    const write = await h.api('POST', '/v1/schools', SCHOOL);
    expect(write.status).toBe(503);
    expect(write.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(write.headers['retry-after']).toBe('2');
    expect(write.body).toMatchObject({ status: 503, code: 'database_unavailable' });
    expect(JSON.stringify(write.body)).not.toMatch(/3D000|does not exist|kosh_t_/);
    expect((await h.api('GET', '/readyz')).status).toBe(503);

    // The database returns with its data; the same pool reconnects, and nothing was half-written meanwhile.
    await admin(`ALTER DATABASE ${name}_away RENAME TO ${name}`);
    expect((await h.api('GET', '/readyz')).status).toBe(200);
    const again = await h.api('POST', '/v1/schools', SCHOOL);
    expect(again.status).toBe(201);
    expect((await h.api('GET', '/v1/schools')).body.data).toHaveLength(2);
  });
});
