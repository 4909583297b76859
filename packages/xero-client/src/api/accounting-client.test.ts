import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isXeroError, type XeroError, type XeroErrorReason } from '../errors.js';
import { Transport } from '../http/transport.js';
import { XeroAccountingClient } from './accounting-client.js';

const TENANT = '0a000000-0000-4000-8000-000000000001';
const GONE = '0a000000-0000-4000-8000-000000000002';

/** What the stand-in answers every accounting call with (GET /connections lists TENANT only). */
let answer: { status: number; body: unknown; headers?: Record<string, string> } = {
  status: 200,
  body: {},
};
/** When set, what GET /connections answers instead. */
let connectionsAnswer: { status: number; body: unknown } | undefined;
/** Called as GET /connections arrives, before it is answered. */
let onConnections: (() => void) | undefined;
/** The paths of every DELETE the stand-in received. */
const deletes: string[] = [];
/** The If-Modified-Since of the last accounting call (undefined: none sent). */
let lastIfModifiedSince: string | undefined;
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
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    if (request.method === 'DELETE') deletes.push(request.url ?? '');
    if (request.url === '/connections') {
      onConnections?.();
      if (connectionsAnswer) return json(connectionsAnswer.status, connectionsAnswer.body);
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
    lastIfModifiedSince = request.headers['if-modified-since'];
    json(answer.status, answer.body, answer.headers);
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

async function refusal(call: Promise<unknown>, reason: XeroErrorReason): Promise<XeroError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isXeroError(error, reason), `expected ${reason}, got ${String(error)}`).toBe(true);
  return error as XeroError;
}

function failure(tenantId: string, reason: XeroErrorReason): Promise<XeroError> {
  return refusal(client.getUsers('token', tenantId), reason);
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

  it('words a 403 AuthenticationUnsuccessful for a tenant still connected as an organisation the grant may not reach, naming no scope', async () => {
    answer = { status: 403, body: problem(403, 'Forbidden', 'AuthenticationUnsuccessful') };
    const token = 'eyJ-access-token-that-must-not-show';
    const error = await refusal(client.getUsers(token, TENANT), 'InsufficientPermissions');
    expect(error).toMatchObject({ statusCode: 403, tenantId: TENANT, requiredScopes: undefined });
    expect(error.message).toContain(
      `Xero answered 403 Forbidden to GET Users for tenant ${TENANT}`,
    );
    expect(error.message).toContain('the grant is not authorised for this organisation');
    expect(error.message).toContain('The user who consented lacks access to the organisation');
    expect(error.message).toContain('its connection to this app was removed in Xero');
    expect(error.message).not.toMatch(/scope/i);
    expect(error.message).not.toContain(token);

    // Without a problem body nothing says a scope is missing either.
    answer = { status: 403, body: 'Forbidden' };
    const bare = await failure(TENANT, 'InsufficientPermissions');
    expect(bare.requiredScopes).toBeUndefined();
    expect(bare.message).toContain('not authorised for this organisation');
  });

  it('names the scope for a 403 whose WWW-Authenticate says insufficient_scope', async () => {
    answer = {
      status: 403,
      body: problem(403, 'Forbidden', 'AuthenticationUnsuccessful'),
      headers: { 'www-authenticate': 'Bearer error="insufficient_scope"' },
    };
    const error = await failure(TENANT, 'InsufficientPermissions');
    expect(error.requiredScopes).toContain('accounting.settings.read');
    expect(error.message).toContain('missing scope accounting.settings.read');
  });

  it('when /connections cannot tell, words a 403 by what the answer says', async () => {
    connectionsAnswer = { status: 400, body: 'no' };
    try {
      answer = { status: 403, body: problem(403, 'Forbidden', 'AuthenticationUnsuccessful') };
      const error = await failure(TENANT, 'InsufficientPermissions');
      expect(error.requiredScopes).toBeUndefined();
      expect(error.message).not.toMatch(/scope/i);
      answer = { status: 401, body: problem(401, 'Unauthorized', 'AuthorizationUnsuccessful') };
      expect((await failure(TENANT, 'InsufficientPermissions')).message).toContain(
        'missing scope accounting.settings.read',
      );
    } finally {
      connectionsAnswer = undefined;
    }
  });

  it('names no scope for a 403 to GET /connections, which needs none', async () => {
    connectionsAnswer = {
      status: 403,
      body: problem(403, 'Forbidden', 'AuthenticationUnsuccessful'),
    };
    try {
      const error = await refusal(client.getConnections('token'), 'InsufficientPermissions');
      expect(error.requiredScopes).toBeUndefined();
      expect(error.message).toContain(
        'Xero answered 403 Forbidden to GET /connections: the grant is not authorised for it',
      );
      expect(error.message).not.toMatch(/scope/i);
    } finally {
      connectionsAnswer = undefined;
    }
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

describe('DELETE /connections', () => {
  it("is not sent once the caller has given up: it fails with the signal's reason", async () => {
    answer = { status: 204, body: {} };
    const controller = new AbortController();
    const reason = new Error('out of time');
    controller.abort(reason);
    const sentBefore = deletes.length;
    const error = await client
      .deleteConnection('token', '0c000000-0000-4000-8000-000000000009', {
        signal: controller.signal,
      })
      .catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(deletes.length).toBe(sentBefore);
  });

  it('counts an answered DELETE as done', async () => {
    answer = { status: 204, body: {} };
    await client.deleteConnection('token', '0c000000-0000-4000-8000-000000000009');
    expect(deletes.at(-1)).toBe('/connections/0c000000-0000-4000-8000-000000000009');
  });
});

describe('GET Users answers that would read as every user gone', () => {
  const user = {
    UserID: '7b000000-0000-4000-8000-000000000001',
    EmailAddress: 'subscriber@acme.example',
    FirstName: 'Sam',
    LastName: 'Subscriber',
    UpdatedDateUTC: '/Date(1573755038314+0000)/',
    IsSubscriber: true,
    OrganisationRole: 'ADMIN',
  };

  it('refuses a 304 to a request that sent no If-Modified-Since, naming the operation', async () => {
    answer = { status: 304, body: {} };
    const error = await failure(TENANT, 'InvalidResponse');
    expect(lastIfModifiedSince).toBeUndefined();
    expect(error).toMatchObject({ operation: 'GET Users', statusCode: 304 });
    expect(error.message).toBe(
      "Xero's response to GET Users is not valid: HTTP 304 Not Modified to a request that was not conditional (no If-Modified-Since).",
    );
  });

  it('takes a 304 to an If-Modified-Since request as no user changed', async () => {
    answer = { status: 304, body: {} };
    const since = new Date('2026-11-01T00:00:00Z');
    expect(await client.getUsers('token', TENANT, { ifModifiedSince: since })).toEqual([]);
    expect(lastIfModifiedSince).toBeDefined();
  });

  it('refuses an empty complete list: every organisation has its subscriber', async () => {
    answer = { status: 200, body: { Users: [] } };
    const error = await failure(TENANT, 'InvalidResponse');
    expect(error).toMatchObject({ operation: 'GET Users', statusCode: 200 });
    expect(error.message).toContain('Users is empty, but every organisation has at least one user');
  });

  it('takes an empty list of users changed since If-Modified-Since as none changed', async () => {
    answer = { status: 200, body: { Users: [] } };
    const since = new Date('2026-11-01T00:00:00Z');
    expect(await client.getUsers('token', TENANT, { ifModifiedSince: since })).toEqual([]);
  });

  it('reads a complete list with its subscriber', async () => {
    answer = { status: 200, body: { Users: [user] } };
    const users = await client.getUsers('token', TENANT);
    expect(users.map((u) => [u.email, u.isSubscriber])).toEqual([
      ['subscriber@acme.example', true],
    ]);
  });

  it('refuses a 304 to the other calls, which are never conditional', async () => {
    answer = { status: 304, body: {} };
    const error = await refusal(client.getOrganisation('token', TENANT), 'InvalidResponse');
    expect(error).toMatchObject({ operation: 'GET Organisation', statusCode: 304 });
  });
});
