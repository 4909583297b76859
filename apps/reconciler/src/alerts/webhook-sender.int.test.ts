import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOrm, redactWebhookTarget, type Dialect, type ModelOrm } from '@xero-access/model';
import { createTestDatabase } from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcilerDatabase } from '../database/reconciler-database.js';
import { createLogger } from '../logging/logger.js';
import { until } from '../test/harness.js';
import { NO_ALLOWED_HOSTS, checkedLookup, parseAllowedHosts } from './webhook-host-policy.js';
import { WebhookSender } from './webhook-sender.js';
import {
  DELIVERY_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifySignature,
} from './webhook-signature.js';

const DIALECTS: { dialect: Dialect }[] = [{ dialect: 'postgresql' }, { dialect: 'sqlite' }];
const SIGNING_SECRET = 'sender-signing-secret-0123456789abcdef';

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
        endpointFor: () => Promise.resolve({ url: target, secret: SIGNING_SECRET }),
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

describe.each(DIALECTS)('two WebhookSenders on one $dialect database', ({ dialect }) => {
  // Two processes: leaders overlapping during a Lease change, or two installs in a failover.
  let first: ModelOrm;
  let second: ModelOrm;
  let url: string;
  let dispose: () => Promise<void>;
  let receiver: Server;
  let target: string;
  const received: string[] = [];

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
    first = await createOrm({ url, migrate: true });
    second = await createOrm({ url });
    // Slow: each sender's POST is still in flight while the other looks for work.
    receiver = createServer((req, res) => {
      received.push(String(req.headers[DELIVERY_HEADER]));
      req.resume();
      setTimeout(() => res.writeHead(204).end(), 150);
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  });

  afterAll(async () => {
    await new Promise((resolve) => receiver?.close(resolve));
    await first?.close();
    await second?.close();
    await dispose?.();
  });

  const senderOn = (model: ModelOrm) =>
    new WebhookSender({
      db: model.db,
      database: reconcilerDatabase(url),
      logger: createLogger('silent'),
      endpointFor: () => Promise.resolve({ url: target, secret: SIGNING_SECRET }),
    });

  async function enqueue(eventId: string) {
    return (
      await first.db.webhooks.enqueue({
        eventType: 'finding.opened',
        eventId,
        target,
        payload: { findingId: eventId },
      })
    ).id;
  }

  it('deliver each due delivery exactly once while their passes overlap', async () => {
    received.length = 0;
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await enqueue(`overlap-${i}`));

    const attempted = await Promise.all([
      senderOn(first).deliverDue(),
      senderOn(second).deliverDue(),
    ]);

    expect([...received].sort()).toEqual([...ids].sort());
    expect(attempted[0] + attempted[1]).toBe(8);
    expect(attempted[0]).toBeGreaterThan(0);
    expect(attempted[1]).toBeGreaterThan(0);
    const stored = (await first.db.webhooks.list({}, { limit: 100 })).items;
    for (const id of ids)
      expect(stored.find((d) => d.id === id)).toMatchObject({
        status: 'delivered',
        attempts: 1,
        claimedBy: null,
      });
  });

  it('sends a delivery a crashed sender had claimed once its claim lapses, not before', async () => {
    received.length = 0;
    const id = await enqueue('crashed');
    const [claimed] = await second.db.webhooks.claimDue({
      claimedBy: 'crashed-pod/1',
      leaseMs: 1_000,
    });
    expect(claimed!.id).toBe(id);
    const sender = senderOn(first);

    expect(await sender.deliverDue()).toBe(0);
    await until(async () => claimed!.claimedUntil!.getTime() <= Date.now());
    expect(await sender.deliverDue()).toBe(1);

    expect(received).toEqual([id]);
    const stored = (await first.db.webhooks.list({}, { limit: 100 })).items;
    expect(stored.find((d) => d.id === id)).toMatchObject({ status: 'delivered', attempts: 1 });
  });
});

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
      endpointFor: () => Promise.resolve({ url: target, secret: SIGNING_SECRET }),
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

describe('WebhookSender and what a receiver or its URL could abuse', () => {
  let model: ModelOrm;
  let dir: string;
  let receiver: Server;
  let base: string;
  const requests: { method: string; path: string }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xao-webhooks-'));
    model = await createOrm({ url: `sqlite://${join(dir, 'test.db')}`, migrate: true });
    receiver = createServer((req, res) => {
      requests.push({ method: req.method!, path: req.url! });
      req.resume();
      if (req.url === '/redirect') res.writeHead(302, { location: '/elsewhere' }).end();
      else if (req.url!.startsWith('/services/')) res.writeHead(500).end();
      else res.writeHead(200).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => receiver?.close(resolve));
    await model?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One delivery to `url`, sent by a sender whose endpoint is `url` (with `lookup`), logs kept. */
  async function deliverOnce(url: string, eventId: string, lookup?: LookupFunction) {
    const delivery = await model.db.webhooks.enqueue({
      eventType: 'finding.opened',
      eventId,
      target: url,
      payload: { findingId: eventId },
    });
    const lines: Record<string, unknown>[] = [];
    const sender = new WebhookSender({
      db: model.db,
      database: reconcilerDatabase(`sqlite://${join(dir, 'test.db')}`),
      logger: createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) }),
      endpointFor: () =>
        Promise.resolve({ url, secret: SIGNING_SECRET, ...(lookup ? { lookup } : {}) }),
    });
    await sender.deliverDue();
    const recorded = (await model.db.webhooks.list({}, { limit: 100 })).items.find(
      (d) => d.id === delivery.id,
    )!;
    return { recorded, lines };
  }

  it('does not follow a redirect: a 302 is a failed attempt naming the status', async () => {
    requests.length = 0;
    const { recorded } = await deliverOnce(`${base}/redirect`, 'redirected');
    expect(requests).toEqual([{ method: 'POST', path: '/redirect' }]);
    expect(recorded).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatusCode: 302,
      lastError: 'HTTP 302: a redirect, which is not followed',
    });
  });

  it('logs and stores a failed delivery with the host only, never the path or query holding the credential', async () => {
    const url = `${base}/services/T0001/B0001/s3cr3tT0k3n?code=pr1v4t3`;
    const { recorded, lines } = await deliverOnce(url, 'failed-redacted');
    const logged = lines.find((line) => line.msg === 'webhook delivery failed');
    expect(logged).toMatchObject({
      delivery: recorded.id,
      target: redactWebhookTarget(url),
      error: 'HTTP 500',
    });
    expect(logged!.target).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\[sha256:[0-9a-f]{12}\]$/);
    expect(recorded).toMatchObject({ target: logged!.target, lastStatusCode: 500 });
    expect(JSON.stringify([lines, recorded])).not.toMatch(/s3cr3t|pr1v4t3|services/);
  });

  it("refuses at delivery a namespace target's host that resolves to an address it may not reach", async () => {
    requests.length = 0;
    const port = new URL(base).port;
    const { recorded, lines } = await deliverOnce(
      `http://localhost:${port}/hooks`,
      'rebound',
      checkedLookup(NO_ALLOWED_HOSTS),
    );
    expect(requests).toEqual([]);
    expect(recorded.lastError).toMatch(
      /^RefusedAddressError: host localhost resolves to (127\.0\.0\.1|::1), a loopback address: not connected$/,
    );
    expect(lines.find((line) => line.msg === 'webhook delivery failed')).toBeDefined();
    // Allowed by ALERT_WEBHOOK_ALLOWED_HOSTS, the same lookup connects.
    const allowed = await deliverOnce(
      `http://localhost:${port}/hooks`,
      'allowed',
      checkedLookup(parseAllowedHosts(['127.0.0.0/8', '::1'])),
    );
    expect(allowed.recorded.status).toBe('delivered');
  });
});

describe('WebhookSender signing a delivery it retries', () => {
  let model: ModelOrm;
  let dir: string;
  let receiver: Server;
  let target: string;
  const attempts: { deliveryId: string; verified: boolean }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xao-webhooks-'));
    model = await createOrm({ url: `sqlite://${join(dir, 'test.db')}`, migrate: true });
    // Verifies each attempt as a receiver does, and refuses the first.
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const deliveryId = String(req.headers[DELIVERY_HEADER]);
        const verified = verifySignature(SIGNING_SECRET, {
          timestamp: String(req.headers[TIMESTAMP_HEADER]),
          deliveryId,
          event: String(req.headers[EVENT_HEADER]),
          body,
          signature: String(req.headers[SIGNATURE_HEADER]),
        });
        attempts.push({ deliveryId, verified });
        res.writeHead(attempts.length === 1 ? 503 : 204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  });

  afterAll(async () => {
    await new Promise((resolve) => receiver?.close(resolve));
    await model?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the retry under the same delivery id, signed so that the receiver verifies it', async () => {
    const delivery = await model.db.webhooks.enqueue({
      eventType: 'finding.opened',
      eventId: 'retried',
      target,
      payload: { findingId: 'retried' },
    });
    const sender = new WebhookSender({
      db: model.db,
      database: reconcilerDatabase(`sqlite://${join(dir, 'test.db')}`),
      logger: createLogger('silent'),
      endpointFor: () => Promise.resolve({ url: target, secret: SIGNING_SECRET }),
      backoff: { baseMs: 0, maxMs: 0, jitter: 0 },
    });

    // No backoff: the same pass claims it again once the first attempt is refused.
    expect(await sender.deliverDue()).toBe(2);

    expect(attempts).toEqual([
      { deliveryId: delivery.id, verified: true },
      { deliveryId: delivery.id, verified: true },
    ]);
    const [recorded] = (await model.db.webhooks.list({ status: 'delivered' })).items;
    expect(recorded).toMatchObject({ id: delivery.id, attempts: 2 });
  });
});
