import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api } from '@kubernetes/client-node';
import { createOrm, type ModelOrm } from '@xero-access/model';
import {
  createTestDatabase,
  createTestNamespace,
  testKubeConfig,
  type TestDatabase,
} from '@xero-access/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcilerDatabase } from '../database/reconciler-database.js';
import { silentLogger } from '../logging/logger.js';
import { AlertTargets, InvalidAlertTargetError, NAMESPACE_ALERTS_SECRET } from './alert-targets.js';
import { WebhookSender } from './webhook-sender.js';
import { verifySignature } from './webhook-signature.js';

describe('alert webhooks per namespace or global', () => {
  let core: CoreV1Api;
  let configured: string;
  let plain: string;
  let database: TestDatabase;
  let model: ModelOrm;
  let receiver: Server;
  let url: string;
  const received: { path: string; body: string; timestamp: string; signature: string }[] = [];

  beforeAll(async () => {
    const kc = testKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    configured = await createTestNamespace(kc, 'alerts');
    plain = await createTestNamespace(kc, 'alerts');
    database = await createTestDatabase('alerts');
    model = await createOrm({ url: database.url, migrate: true });
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({
          path: req.url!,
          body,
          timestamp: String(req.headers['x-xao-timestamp']),
          signature: String(req.headers['x-xao-signature']),
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    await core.createNamespacedSecret({
      namespace: configured,
      body: {
        metadata: { name: NAMESPACE_ALERTS_SECRET },
        stringData: { url: `${url}/finance`, secret: 'finance-secret' },
      },
    });
  });

  afterAll(async () => {
    await model?.close();
    await database?.drop();
    receiver?.close();
  });

  it('a namespace Secret overrides the global target; other namespaces use the global one', async () => {
    const targets = new AlertTargets(core, { url: `${url}/global`, secret: 'global-secret' });
    expect(await targets.targetFor(configured)).toEqual({
      url: `${url}/finance`,
      secret: 'finance-secret',
    });
    expect(await targets.targetFor(plain)).toEqual({
      url: `${url}/global`,
      secret: 'global-secret',
    });
    expect(await new AlertTargets(core, undefined).targetFor(plain)).toBeUndefined();
  });

  it('refuses a namespace Secret it cannot use, naming the key, rather than fall back to the global target', async () => {
    const kc = testKubeConfig();
    const targets = new AlertTargets(core, { url: `${url}/global`, secret: 'global-secret' });
    const cases: [Record<string, string>, RegExp][] = [
      [{ url: `${url}/team` }, /key secret: is missing or empty$/],
      [{ url: ' ', secret: 's' }, /key url: is missing or empty$/],
      [
        { url: 'https://user:pw@hooks.example/x', secret: 's' },
        /key url: must not contain credentials/,
      ],
      [{ url: 'ftp://hooks.example/x', secret: 's' }, /key url: must be an http\(s\) URL$/],
    ];
    for (const [stringData, message] of cases) {
      const namespace = await createTestNamespace(kc, 'alerts');
      await core.createNamespacedSecret({
        namespace,
        body: { metadata: { name: NAMESPACE_ALERTS_SECRET }, stringData },
      });
      const refused = await targets.targetFor(namespace).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(InvalidAlertTargetError);
      expect((refused as Error).message).toMatch(
        new RegExp(`^Secret ${namespace}/${NAMESPACE_ALERTS_SECRET} `),
      );
      expect((refused as Error).message).toMatch(message);
      expect((refused as Error).message).not.toContain('pw@');
    }
  });

  it('signs each delivery with the secret of its target and records it as delivered', async () => {
    const targets = new AlertTargets(core, { url: `${url}/global`, secret: 'global-secret' });
    for (const [namespace, target] of [
      [configured, `${url}/finance`],
      [plain, `${url}/global`],
    ] as const) {
      await model.db.webhooks.enqueue({
        eventType: 'finding.opened',
        eventId: `event-${namespace}`,
        target,
        payload: { type: 'finding.opened', connection: { namespace, name: 'acme' } },
      });
    }
    const sender = new WebhookSender({
      db: model.db,
      database: reconcilerDatabase(database.url),
      logger: silentLogger,
      secretFor: (d) =>
        targets.secretFor((d.payload.connection as { namespace: string }).namespace, d.target),
    });
    expect(await sender.deliverDue()).toBe(2);
    const finance = received.find((r) => r.path === '/finance')!;
    const global = received.find((r) => r.path === '/global')!;
    expect(
      verifySignature('finance-secret', finance.timestamp, finance.body, finance.signature),
    ).toBe(true);
    expect(
      verifySignature('global-secret', finance.timestamp, finance.body, finance.signature),
    ).toBe(false);
    expect(verifySignature('global-secret', global.timestamp, global.body, global.signature)).toBe(
      true,
    );
    const log = await model.db.webhooks.list({ status: 'delivered' });
    expect(log.items).toHaveLength(2);
  });
});
