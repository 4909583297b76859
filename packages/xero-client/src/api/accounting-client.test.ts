import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isXeroError, type XeroError, type XeroErrorReason } from '../errors.js';
import { Transport } from '../http/transport.js';
import { XeroAccountingClient } from './accounting-client.js';

const TENANT = '0a000000-0000-4000-8000-000000000001';
const GONE = '0a000000-0000-4000-8000-000000000002';

/** What the stand-in answers every accounting call with (GET /connections lists TENANT only). */
let answer: { status: number; body: unknown } = { status: 200, body: {} };
/** Called as GET /connections arrives, before it is answered. */
let onConnections: (() => void) | undefined;
let server: Server;
let client: XeroAccountingClient;

const problem = (status: number, title: string, detail: string) => ({
  Type: null,
  Title: title,
  Status: status,
  Detail: detail,
  Instance: '9a3c5e4a-0000-4000-8000-000000000000',
  Extensions: {},
});

beforeAll(async () => {
  server = createServer((request, response) => {
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.url === '/connections') {
      onConnections?.();
      json(200, [
        {
          id: '0c000000-0000-4000-8000-000000000001',
          authEventId: '0d000000-0000-4000-8000-000000000001',
          tenantId: TENANT,
          tenantType: 'ORGANISATION',
          tenantName: 'Org',
          createdDateUtc: '2026-01-01T00:00:00.0000000',
          updatedDateUtc: '2026-01-01T00:00:00.0000000',
        },
      ]);
      return;
    }
    json(answer.status, answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new XeroAccountingClient('app', new Transport(), {
    apiUrl: `http://127.0.0.1:${port}`,
  });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function failure(tenantId: string, reason: XeroErrorReason): Promise<XeroError> {
  const error = await client.getUsers('token', tenantId).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isXeroError(error, reason), `expected ${reason}, got ${String(error)}`).toBe(true);
  return error as XeroError;
}

describe('accounting answers that refuse the token', () => {
  it('maps 401 AuthorizationUnsuccessful (how Xero often answers a missing scope) to InsufficientPermissions', async () => {
    answer = { status: 401, body: problem(401, 'Unauthorized', 'AuthorizationUnsuccessful') };
    const error = await failure(TENANT, 'InsufficientPermissions');
    expect(error.statusCode).toBe(401);
    expect(error.requiredScopes).toEqual(['accounting.settings.read', 'accounting.settings']);
    expect(error.message).toContain('401 AuthorizationUnsuccessful');
    expect(error.message).toContain('missing scope accounting.settings.read');
  });

  it('maps 403 AuthorizationUnsuccessful to InsufficientPermissions', async () => {
    answer = { status: 403, body: problem(403, 'Forbidden', 'AuthorizationUnsuccessful') };
    const error = await failure(TENANT, 'InsufficientPermissions');
    expect(error.statusCode).toBe(403);
    expect(error.requiredScopes).toContain('accounting.settings.read');
    expect(error.message).toContain('403 Forbidden');
  });

  it('still reports a tenant missing from /connections as TenantDisconnected', async () => {
    answer = { status: 401, body: problem(401, 'Unauthorized', 'AuthorizationUnsuccessful') };
    await failure(GONE, 'TenantDisconnected');
  });

  it('keeps any other 401 Unauthorized (a token a refresh may cure)', async () => {
    answer = { status: 401, body: problem(401, 'Unauthorized', 'AuthenticationUnsuccessful') };
    expect((await failure(TENANT, 'Unauthorized')).statusCode).toBe(401);
    answer = { status: 401, body: 'not json' };
    await failure(TENANT, 'Unauthorized');
  });
});

describe('a call given up while it tells a refusal apart', () => {
  it("fails with the signal's reason, not as a scope problem", async () => {
    answer = { status: 403, body: problem(403, 'Forbidden', 'AuthenticationUnsuccessful') };
    const controller = new AbortController();
    const reason = new Error('out of time');
    onConnections = () => controller.abort(reason);
    try {
      const error = await client
        .getUsers('token', TENANT, { signal: controller.signal })
        .catch((e: unknown) => e);
      expect(error).toBe(reason);
    } finally {
      onConnections = undefined;
    }
  });
});
