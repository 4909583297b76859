import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOrm, type Dialect, type ModelOrm } from '@xero-access/model';
import { createTestDatabase } from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcilerDatabase } from '../database/reconciler-database.js';
import { createLogger } from '../logging/logger.js';
import { until } from '../test/harness.js';
import { WebhookSender } from './webhook-sender.js';

const DIALECTS: { dialect: Dialect }[] = [{ dialect: 'postgresql' }, { dialect: 'sqlite' }];

/** A trigger that refuses to mark a delivery delivered: a real database error after the send. */
function refuseDeliveredSql(dialect: Dialect): string[] {
  if (dialect === 'sqlite')
    return [
      `create trigger refuse_delivered before update on webhook_delivery when new.status = 'delivered' begin select raise(abort, 'delivered refused'); end`,
    ];
  return [
    `create function refuse_delivered() returns trigger as $$ begin if new.status = 'delivered' then raise exception 'delivered refused'; end if; return new; end $$ language plpgsql`,
    `create trigger refuse_delivered before update on webhook_delivery for each row execute function refuse_delivered()`,
  ];
}

describe.each(DIALECTS)(
  'WebhookSender when recording a delivery fails on $dialect',
  ({ dialect }) => {
    let model: ModelOrm;
    let url: string;
    let dispose: () => Promise<void>;
    let receiver: Server;
    let target: string;

    beforeAll(async () => {
      if (dialect === 'postgresql') {
        const database = await createTestDatabase('webhooks');
        url = database.url;
        dispose = () => database.drop();
      } else {
        const dir = mkdtempSync(join(tmpdir(), 'xao-webhooks-'));
        url = `sqlite://${join(dir, 'test.db')}`;
        dispose = async () => rmSync(dir, { recursive: true, force: true });
      }
      model = await createOrm({ url, migrate: true });
      for (const statement of refuseDeliveredSql(dialect))
        await model.orm.em.fork().execute(statement);
      receiver = createServer((_req, res) => res.writeHead(200).end());
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    });

    afterAll(async () => {
      await new Promise((resolve) => receiver?.close(resolve));
      await model?.close();
      await dispose?.();
    });

    it('records and logs the driver message, not the SQL statement', async () => {
      const delivery = await model.db.webhooks.enqueue({
        eventType: 'finding.opened',
        eventId: 'finding-1',
        target,
        payload: { findingId: 'finding-1' },
      });
      const lines: Record<string, unknown>[] = [];
      const sender = new WebhookSender({
        db: model.db,
        database: reconcilerDatabase(url),
        logger: createLogger('info', {
          write: (line: string) => void lines.push(JSON.parse(line)),
        }),
        secretFor: () => Promise.resolve('secret'),
      });

      await sender.deliverDue();

      const recorded = (await model.db.webhooks.list()).items.find((d) => d.id === delivery.id);
      expect(recorded).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastError: 'DriverException: delivered refused',
      });
      const logged = lines.find((line) => line.msg === 'webhook delivery failed');
      expect(logged).toMatchObject({ error: 'DriverException: delivered refused' });
      expect(JSON.stringify([recorded, lines])).not.toMatch(/update ["`]?webhook_delivery/i);
    });
  },
);

describe('WebhookSender stopping while a receiver does not answer', () => {
  let model: ModelOrm;
  let dir: string;
  let receiver: Server;
  let target: string;
  const requests: number[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xao-webhooks-'));
    model = await createOrm({ url: `sqlite://${join(dir, 'test.db')}`, migrate: true });
    // Takes the request and never answers.
    receiver = createServer(() => void requests.push(Date.now()));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  });

  afterAll(async () => {
    receiver?.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
    await model?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('aborts the delivery in flight at once and leaves it due, not counted as an attempt', async () => {
    const delivery = await model.db.webhooks.enqueue({
      eventType: 'finding.opened',
      eventId: 'finding-1',
      target,
      payload: { findingId: 'finding-1' },
    });
    const sender = new WebhookSender({
      db: model.db,
      database: reconcilerDatabase(`sqlite://${join(dir, 'test.db')}`),
      logger: createLogger('silent'),
      secretFor: () => Promise.resolve('secret'),
      timeoutMs: 30_000,
    });
    sender.start();
    await until(() => requests.length === 1);

    const stopping = Date.now();
    await sender.stop();
    expect(Date.now() - stopping).toBeLessThan(1_000);
    const [due] = await model.db.webhooks.due(new Date(), 10);
    expect(due).toMatchObject({ id: delivery.id, attempts: 0 });
  });
});
