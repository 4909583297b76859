import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { XeroLogger } from '../logger.js';
import { Transport } from './transport.js';

/** Xero answering 503 to everything. */
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((_request, response) => {
    response.writeHead(503, { 'content-type': 'application/json' });
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api.xro/2.0/Users`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('Transport retries', () => {
  it('names the operation and the organisation in each "retrying" line', async () => {
    const warnings: { fields: Record<string, unknown>; msg: string }[] = [];
    const noop = () => undefined;
    const logger: XeroLogger = {
      debug: noop,
      info: noop,
      error: noop,
      warn: (fields, msg) => void warnings.push({ fields, msg }),
    };
    const transport = new Transport({
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
      logger,
    });
    await expect(
      transport.send({
        method: 'GET',
        url,
        headers: { authorization: 'Bearer access-token-0001' },
        idempotent: true,
        operation: 'GET Users',
        scope: { appId: 'app', tenantId: 't-acme', operation: 'GET Users' },
      }),
    ).rejects.toThrow(/HTTP 503/);
    expect(warnings).toEqual([
      {
        msg: 'Xero call failed; retrying',
        fields: expect.objectContaining({ operation: 'GET Users', tenantId: 't-acme', attempt: 1 }),
      },
    ]);
    expect(JSON.stringify(warnings)).not.toContain('access-token-0001');
  });
});
