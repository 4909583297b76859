import {
  DriverException,
  LockWaitTimeoutException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { Redis } from 'ioredis';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { RETRY_AFTER_SECONDS } from './database-unavailable.js';
import { toErrorBody } from './error-body.js';

const driverError = (code: string) =>
  new DriverException(Object.assign(new Error(`failed (${code})`), { code }));
const socketError = (code: string) =>
  Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, syscall: 'connect' });

describe('toErrorBody for database outages (the model classifies, this answers)', () => {
  it('answers a locked SQLite file or a PostgreSQL deadlock 503 busy', () => {
    for (const error of [
      new LockWaitTimeoutException(new Error('database is locked')),
      driverError('40P01'),
      driverError('40001'),
      driverError('SQLITE_BUSY'),
      Object.assign(new Error('database is locked'), { name: 'SqliteError', code: 'SQLITE_BUSY' }),
    ])
      expect(toErrorBody(error), error.message).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: `the database is busy (another writer holds the lock); retry in ${RETRY_AFTER_SECONDS} s`,
      });
  });

  it('answers a refused, shut down or exhausted PostgreSQL 503 unavailable, naming the cause', () => {
    for (const [error, cause] of [
      [driverError('ECONNREFUSED'), 'ECONNREFUSED'],
      [driverError('57P01'), '57P01'],
      [driverError('57P03'), '57P03'],
      [driverError('53300'), '53300'],
      [
        new Error('Knex: Timeout acquiring a connection. The pool is full.'),
        'no free connection in the pool',
      ],
    ] as const)
      expect(toErrorBody(error), cause).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: `the database is unavailable (restarting or unreachable: ${cause}); retry in ${RETRY_AFTER_SECONDS} s`,
      });
  });

  it('answers a refused socket outside the ORM (Redis, the Kubernetes API) 503 without blaming the database', () => {
    for (const error of [
      socketError('ECONNREFUSED'),
      new TypeError('fetch failed', { cause: socketError('ECONNREFUSED') }),
    ])
      expect(toErrorBody(error), error.message).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: `a service this API depends on is unavailable (ECONNREFUSED); retry in ${RETRY_AFTER_SECONDS} s`,
      });
  });

  it('leaves a unique violation a 409 and everything else a 500', () => {
    expect(
      toErrorBody(
        new UniqueConstraintViolationException(
          Object.assign(new Error('duplicate key'), { code: '23505' }),
        ),
      ).statusCode,
    ).toBe(409);
    expect(toErrorBody(driverError('42601')).statusCode).toBe(500);
    expect(toErrorBody(new Error('boom'))).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'internal error (see the server log for the request id)',
    });
  });
});

describe('toErrorBody for Redis outages', () => {
  it('answers 503 when Redis does not answer, as the admin API connects to it', async () => {
    // The admin API's client options (runtime.ts), pointed at a port nobody listens on.
    const redis = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 2,
      enableOfflineQueue: true,
      retryStrategy: (times) => (times > 3 ? null : 10),
    });
    redis.on('error', () => undefined);
    const error = await redis.set('xao:state', 'x').catch((e: unknown) => e);
    redis.disconnect();
    expect(toErrorBody(error)).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(toErrorBody(error).message).toMatch(/^Redis .* is unavailable; retry in \d+ s$/);
  });

  it('answers 503 when Redis accepts the connection but never answers (commandTimeout)', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const redis = new Redis(`redis://127.0.0.1:${port}`, {
      maxRetriesPerRequest: 2,
      commandTimeout: 100,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    try {
      const error = await redis.set('xao:state', 'x').catch((e: unknown) => e);
      expect((error as Error).message).toBe('Command timed out');
      expect(toErrorBody(error)).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    } finally {
      redis.disconnect();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
