import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { startHarness, type Harness } from '../test/harness.js';
import { SCIM_ERROR, SCIM_USER } from './scim.types.js';

describe('an unexpected error on a SCIM route', () => {
  let h: Harness;
  const logLines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    h = await startHarness('sqlite', {
      logger: createLogger('warn', {
        write: (line: string) => void logLines.push(JSON.parse(line)),
      }),
    });
    // A real database error that is no outage: the SCIM create fails after its audit entry.
    await h.model.orm.em
      .fork()
      .execute(
        `create trigger refuse_staff before insert on staff_member begin select raise(abort, 'staff refused'); end`,
      );
  });
  afterAll(async () => h?.close());

  it('answers a SCIM 500 and logs it once, with the request id', async () => {
    const failed = await h.call('POST', '/scim/v2/Users', {
      token: h.tokens.scim,
      body: { schemas: [SCIM_USER], userName: 'refused@acme.example' },
      headers: { 'content-type': 'application/scim+json' },
    });
    expect(failed.statusCode, failed.body).toBe(500);
    expect(failed.json()).toMatchObject({ schemas: [SCIM_ERROR], status: '500' });
    expect(logLines).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: 'SCIM request failed',
        reqId: failed.headers['x-request-id'],
        err: expect.objectContaining({ message: expect.stringContaining('staff refused') }),
      }),
    ]);
    expect(failed.headers['x-request-id']).toEqual(expect.any(String));
  });
});
