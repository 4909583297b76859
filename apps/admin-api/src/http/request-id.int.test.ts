import { reevaluationKeys, type ReevaluationRequest } from '@xero-access/model';
import { serviceUrls } from '@xero-access/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { SCIM_USER } from '../scim/scim.types.js';
import { seedAcme } from '../test/fixtures.js';
import { startHarness, type Harness } from '../test/harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids', () => {
  let h: Harness;
  let subscriber: Redis;
  const messages: ReevaluationRequest[] = [];
  const logLines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    h = await startHarness('sqlite', {
      logger: createLogger('info', {
        write: (line: string) => void logLines.push(JSON.parse(line)),
      }),
    });
    await seedAcme(h.model);
    subscriber = new Redis(serviceUrls.redis);
    subscriber.on('message', (_channel: string, message: string) =>
      messages.push(JSON.parse(message)),
    );
    await subscriber.subscribe(reevaluationKeys(h.prefix).channel);
  });
  afterAll(async () => {
    subscriber?.disconnect();
    await h?.close();
  });

  it('gives every answer a UUID of its own in X-Request-ID, errors included', async () => {
    const answers = [
      await h.call('GET', '/health/live'),
      await h.call('GET', '/health/live'),
      await h.call('GET', '/staff'), // 401: no credential
      await h.call('GET', '/no-such-route'), // 404 from Fastify
      await h.call('POST', '/staff', {
        token: h.tokens.admin,
        rawBody: '{',
        headers: { 'content-type': 'application/json' },
      }),
      await h.call('GET', '/scim/v2/Users/00000000-0000-4000-8000-000000000000', {
        token: h.tokens.scim,
      }),
    ];
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 401, 404, 400, 404]);
    const ids = answers.map((a) => a.headers['x-request-id']);
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('never uses an id the caller sends: anyone could send one the audit log holds already', async () => {
    const sent = '0b7f3c1e-2a4d-4c55-9e0f-6a1d2b3c4d5e';
    const answer = await h.call('GET', '/health/live', {
      headers: { 'x-request-id': sent, 'request-id': sent },
    });
    expect(answer.headers['x-request-id']).toMatch(UUID);
    expect(answer.headers['x-request-id']).not.toBe(sent);
  });

  it("ties a SCIM DELETE's answer, access log line, audit log entry and re-evaluation request together", async () => {
    const created = await h.call('POST', '/scim/v2/Users', {
      token: h.tokens.scim,
      body: { schemas: [SCIM_USER], userName: 'emma.brown@acme.example' },
      headers: { 'content-type': 'application/scim+json' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;

    const deleted = await h.call('DELETE', `/scim/v2/Users/${id}`, { token: h.tokens.scim });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const requestId = deleted.headers['x-request-id'] as string;
    expect(requestId).toMatch(UUID);

    await expect
      .poll(() => messages.find((m) => m.reason === 'scim.delete'), { timeout: 5_000 })
      .toEqual({
        connections: ['finance/acme'],
        reason: 'scim.delete',
        at: expect.any(String),
        requestId,
      });
    const entries = (await h.call('GET', `/audit-log?limit=500`, { token: h.tokens.admin })).json()
      .items as { action: string; requestId: string | null }[];
    expect(entries.filter((e) => e.requestId === requestId).map((e) => e.action)).toContain(
      'DELETE /scim/v2/Users/:id',
    );
    expect(
      logLines.find(
        (l) => l.msg === 'request completed' && (l.req as { id: string }).id === requestId,
      ),
    ).toMatchObject({ req: { method: 'DELETE' }, res: { statusCode: 204 } });
  });
});
