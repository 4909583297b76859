import {
  DatabaseUnavailableError,
  createOrm,
  type Database,
  type ModelOrm,
  type WebhookDeliveryRecord,
} from '@xero-access/model';
import { freePort } from '@xero-access/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { reconcilerDatabase } from '../database/reconciler-database.js';
import { createLogger } from '../logging/logger.js';
import { memorySink } from '../test/memory-sink.js';
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
      repeatLogEveryMs: 500,
    });
    sender.start();
    await expect.poll(() => lines.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await sender.stop();
    // Polled every 50 ms meanwhile; logged again only after 500 ms, with the count.
    expect(lines[1]).toMatchObject({
      msg: 'webhook delivery pass waits for the database; retrying',
      failedAttempts: expect.any(Number),
    });
    expect(lines[1]!.failedAttempts).toBeGreaterThan(2);
    expect(lines[0]).not.toHaveProperty('failedAttempts');
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

describe('WebhookSender through a database outage', () => {
  afterEach(() => vi.useRealTimers());

  it('logs the outage when it starts, then every 5 minutes with a count, not every poll; and once when passes run again', async () => {
    vi.useFakeTimers();
    let down = true;
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    const db = {
      webhooks: {
        claimDue: async (): Promise<WebhookDeliveryRecord[]> => {
          if (down) throw refused;
          return [];
        },
      },
    } as unknown as Database;
    const { sink, lines } = memorySink();
    const sender = new WebhookSender({
      db,
      database: reconcilerDatabase('postgres://xao:s3cret@db.internal:5432/xao'),
      logger: createLogger('info', sink),
      endpointFor: () => Promise.resolve(undefined),
    });
    sender.start();
    // An hour of passes every 5 s (the default poll): 720 of them.
    await vi.advanceTimersByTimeAsync(60 * 60_000 - 1_000);
    const waits = lines().filter(
      (line) => line.msg === 'webhook delivery pass waits for the database; retrying',
    );
    expect(waits).toHaveLength(12);
    expect(waits[0]).toMatchObject({
      level: 'warn',
      reason: 'DatabaseUnavailable',
      database: 'PostgreSQL at db.internal:5432',
      cause: 'ECONNREFUSED',
    });
    expect(waits[1]).toMatchObject({ failedAttempts: 61, failingForMs: 5 * 60_000 });

    down = false;
    await vi.advanceTimersByTimeAsync(10_000);
    await sender.stop();
    expect(lines().filter((line) => line.msg === 'webhook delivery passes run again')).toEqual([
      expect.objectContaining({ level: 'info', failedAttempts: 720 }),
    ]);
    expect(lines()).toHaveLength(13);
    expect(JSON.stringify(lines())).not.toContain('s3cret');
  });
});
