import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startHarness, type Harness } from './harness.js';

interface Member {
  id: string;
  email: string;
}

/**
 * A paged export of the staff directory taken while PATCH, SCIM and imports change it lists
 * every member exactly once: pages follow the order members were added, which no change moves.
 */
describe.each(DIALECTS)('GET /staff pages on $dialect', ({ dialect }) => {
  let h: Harness;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    h = await startHarness(dialect);
    for (const name of ['bea', 'dan', 'fay', 'hal', 'ivy']) {
      const created = await h.call('POST', '/staff', {
        token: h.tokens.admin,
        body: { email: `${name}@acme.example`, name },
      });
      expect(created.statusCode, created.body).toBe(201);
      ids[name] = created.json<Member>().id;
    }
  });
  afterAll(async () => h?.close());

  const page = async (cursor: string | null) => {
    const query: Record<string, string> = { limit: '2', ...(cursor ? { cursor } : {}) };
    const response = await h.call('GET', '/staff', { token: h.tokens.viewer, query });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ items: Member[]; nextCursor: string | null }>();
  };
  const rename = async (name: string, email: string) => {
    const patched = await h.call('PATCH', `/staff/${ids[name]}`, {
      token: h.tokens.admin,
      body: { email },
    });
    expect(patched.statusCode, patched.body).toBe(200);
  };

  it('lists each member exactly once while members are renamed between pages', async () => {
    const first = await page(null);
    expect(first.items.map((m) => m.email)).toEqual(['bea@acme.example', 'dan@acme.example']);
    // By email, Hal renamed to before the cursor would be skipped and Bea renamed past it repeated.
    await rename('hal', 'aaron@acme.example');
    await rename('bea', 'zoe@acme.example');
    const seen = [...first.items];
    for (let cursor = first.nextCursor; cursor;) {
      const next = await page(cursor);
      seen.push(...next.items);
      cursor = next.nextCursor;
      // A rename on every page, of a member listed already and of one still to come.
      await rename('dan', `dan${seen.length}@acme.example`);
      await rename('ivy', `a${seen.length}@acme.example`);
    }
    expect(seen.map((m) => m.id).sort()).toEqual(Object.values(ids).sort());
    expect(seen.map((m) => m.id)).toEqual(['bea', 'dan', 'fay', 'hal', 'ivy'].map((n) => ids[n]));
  });

  it('refuses a cursor of the earlier listing by email, naming query.cursor', async () => {
    const byEmail = Buffer.from(
      JSON.stringify(['staff', 'dan@acme.example', ids.dan]),
      'utf8',
    ).toString('base64url');
    const refused = await h.call('GET', '/staff', {
      token: h.tokens.viewer,
      query: { cursor: byEmail },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({
      field: 'query.cursor',
      message: expect.stringMatching(
        /^query\.cursor: is a cursor of the earlier listing by email, .*list again from the first page/,
      ),
    });
  });
});
