import { DatabaseUnavailableError, createOrm, type ModelOrm } from '@xero-access/model';
import { freePort } from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcilerDatabase } from '../database/reconciler-database.js';
import { createLogger } from '../logging/logger.js';
import { WebhookSender } from './webhook-sender.js';

/** PostgreSQL refusing connections (nothing listens on the port), as while it is down. */
describe('WebhookSender while the database is not available', () => {
  let model: ModelOrm;
  let url: string;
  beforeAll(async () => {
    url = `postgres://xao:s3cret@127.0.0.1:${await freePort()}/xao`;
    model = await createOrm({ url });
  });
  afterAll(() => model?.close());

  it('fails a pass with DatabaseUnavailableError naming where and why', async () => {
    const sender = new WebhookSender({
      db: model.db,
      database: reconcilerDatabase(url),
      logger: createLogger('silent'),
      endpointFor: () => Promise.resolve(undefined),
    });
    const error = await sender.deliverDue().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(error).toMatchObject({ kind: 'unreachable', causeCode: 'ECONNREFUSED' });
  });

  it('logs the DatabaseUnavailable reason with the cause and where the database is, and keeps polling', async () => {
    const lines: Record<string, unknown>[] = [];
    const sender = new WebhookSender({
      db: model.db,
      database: reconcilerDatabase(url),
      logger: createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) }),
      endpointFor: () => Promise.resolve(undefined),
      pollMs: 50,
    });
    sender.start();
    await expect.poll(() => lines.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await sender.stop();
    expect(lines[0]).toMatchObject({
      msg: 'webhook delivery pass waits for the database; retrying',
      reason: 'DatabaseUnavailable',
      database: `PostgreSQL at 127.0.0.1:${new URL(url).port}`,
      kind: 'unreachable',
      cause: 'ECONNREFUSED',
      retryInMs: 50,
    });
    expect(JSON.stringify(lines)).not.toContain('s3cret');
  });
});
