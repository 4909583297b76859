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
import {
  AlertTargets,
  NAMESPACE_ALERTS_SECRET,
  namespaceTargetLabel,
  type AlertTargetsOptions,
} from './alert-targets.js';
import { parseAllowedHosts } from './webhook-host-policy.js';
import { WebhookSender } from './webhook-sender.js';
import { verifySignature } from './webhook-signature.js';

describe('alert webhooks: the global one and each namespace’s own', () => {
  let core: CoreV1Api;
  let configured: string;
  let plain: string;
  let database: TestDatabase;
  let model: ModelOrm;
  let receiver: Server;
  let url: string;
  const received: {
    path: string;
    body: string;
    timestamp: string;
    deliveryId: string;
    event: string;
    signature: string;
  }[] = [];
  const GLOBAL_SECRET = 'global-signing-secret-0123456789abcdef';
  const FINANCE_SECRET = 'finance-signing-secret-0123456789abcdef';
  // Long enough: these Secrets are refused for their url, or usable.
  const SECRET = 'namespace-signing-secret-0123456789abcdef';
  // The receivers here listen on loopback: a namespace may reach them only when allowed.
  const loopbackAllowed = parseAllowedHosts(['127.0.0.1']);
  const globalTarget = () => ({ url: `${url}/global`, secret: GLOBAL_SECRET });
  const targetsWith = (options: AlertTargetsOptions = {}) =>
    new AlertTargets(core, { global: globalTarget(), allowedHosts: loopbackAllowed, ...options });

  const namespaceWithSecret = async (stringData: Record<string, string>) => {
    const namespace = await createTestNamespace(testKubeConfig(), 'alerts');
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: NAMESPACE_ALERTS_SECRET }, stringData },
    });
    return namespace;
  };

  beforeAll(async () => {
    const kc = testKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
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
          deliveryId: String(req.headers['x-xao-delivery']),
          event: String(req.headers['x-xao-event']),
          signature: String(req.headers['x-xao-signature']),
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    configured = await namespaceWithSecret({ url: `${url}/finance`, secret: FINANCE_SECRET });
  });

  afterAll(async () => {
    await model?.close();
    await database?.drop();
    receiver?.close();
  });

  it("a namespace Secret adds its own target to the global one, which every namespace's alerts reach", async () => {
    const targets = targetsWith();
    expect(await targets.routeFor(configured)).toEqual({
      targets: [globalTarget(), { url: `${url}/finance`, secret: FINANCE_SECRET }],
      payloadDetail: 'full',
    });
    expect(await targets.routeFor(plain)).toEqual({
      targets: [globalTarget()],
      payloadDetail: 'full',
    });
    expect(await new AlertTargets(core).routeFor(plain)).toEqual({
      targets: [],
      payloadDetail: 'full',
    });
    // A namespace no longer watched: its Secret is not read, the global target still alerts.
    expect(await targets.routeFor(configured, { readNamespace: false })).toEqual({
      targets: [globalTarget()],
      payloadDetail: 'full',
    });
  });

  it('reads no namespace Secret with namespace targets switched off (ALERT_NAMESPACE_TARGETS=false)', async () => {
    const broken = await namespaceWithSecret({ url: '', secret: SECRET });
    const checked: string[] = [];
    const targets = targetsWith({
      namespaceTargets: false,
      onChecked: (namespace) => void checked.push(namespace),
    });
    expect(await targets.routeFor(configured)).toEqual({
      targets: [globalTarget()],
      payloadDetail: 'full',
    });
    expect(await targets.routeFor(broken)).toEqual({
      targets: [globalTarget()],
      payloadDetail: 'full',
    });
    expect(checked).toEqual([]);
  });

  it('refuses a namespace Secret it cannot use, naming the key, and routes its alerts to the global target and the undeliverable record', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ url: `${url}/team` }, /key secret: is missing or empty$/],
      [
        { url: `${url}/team`, secret: 'hunter2-but-31-bytes-long-xxxxx' },
        /key secret: must be at least 32 bytes \(e\.g\. openssl rand -hex 32\)$/,
      ],
      [{ url: ' ', secret: SECRET }, /key url: is missing or empty$/],
      [
        { url: 'https://user:pw@hooks.example/x', secret: SECRET },
        /key url: must not contain credentials/,
      ],
      [{ url: 'ftp://hooks.example/x', secret: SECRET }, /key url: must be an http\(s\) URL$/],
      [
        { url: 'http://169.254.169.254/latest/meta-data/iam', secret: SECRET },
        /key url: must be an https URL/,
      ],
      [
        { url: 'https://169.254.169.254/latest/meta-data/iam', secret: SECRET },
        /key url: host 169\.254\.169\.254 is a link-local address/,
      ],
      [
        { url: 'https://kubernetes.default.svc/api/v1/secrets', secret: SECRET },
        /key url: host kubernetes\.default\.svc is a name inside the cluster/,
      ],
      [{ url: 'http://10.0.0.1:6379/', secret: SECRET }, /key url: must be an https URL/],
      [
        { url: 'https://10.0.0.1:6379/', secret: SECRET },
        /key url: host 10\.0\.0\.1 is a private address/,
      ],
      [
        { url: 'https://[fd00:ec2::254]/latest', secret: SECRET },
        /key url: host fd00:ec2::254 is a private \(unique local\) address/,
      ],
    ];
    for (const [stringData, message] of cases) {
      const namespace = await namespaceWithSecret(stringData);
      const checked: [string, string | undefined][] = [];
      const targets = targetsWith({
        allowedHosts: parseAllowedHosts([]),
        onChecked: (ns, problem) => void checked.push([ns, problem]),
      });
      const route = await targets.routeFor(namespace);
      expect(route.targets).toEqual([globalTarget()]);
      expect(route.undeliverable?.target).toBe(namespaceTargetLabel(namespace));
      expect(route.undeliverable?.reason).toMatch(
        new RegExp(`^Secret ${namespace}/${NAMESPACE_ALERTS_SECRET} `),
      );
      expect(route.undeliverable?.reason).toMatch(message);
      expect(route.invalid).toContain(route.undeliverable!.reason);
      expect(route.invalid).toMatch(/the global webhook still receives them/);
      expect(checked).toEqual([[namespace, route.undeliverable!.reason]]);
      expect(JSON.stringify(route)).not.toMatch(/pw@|meta-data|secrets|latest|hunter2/);
    }
  });

  it('refuses a namespace URL whose name resolves to a private address when the Secret is read', async () => {
    const namespace = await namespaceWithSecret({
      url: 'https://hooks.rebind.test/x',
      secret: SECRET,
    });
    const targets = targetsWith({
      resolve: async () => [{ address: '10.1.2.3', family: 4 }],
    });
    expect((await targets.routeFor(namespace)).undeliverable?.reason).toBe(
      `Secret ${namespace}/${NAMESPACE_ALERTS_SECRET} key url: host hooks.rebind.test resolves to 10.1.2.3, a private address; if it is meant, the operator can allow it with ALERT_WEBHOOK_ALLOWED_HOSTS (chart: alerts.allowedHosts)`,
    );
  });

  it('sends each delivery to the endpoint its stored target stands for, signed with that target’s secret', async () => {
    const targets = targetsWith();
    const route = await targets.routeFor(configured);
    for (const [namespace, target] of [
      [configured, route.targets[0]!.url],
      [configured, route.targets[1]!.url],
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
      endpointFor: (d) =>
        targets.endpointFor((d.payload.connection as { namespace: string }).namespace, d.target),
    });
    expect(await sender.deliverDue()).toBe(3);
    const finance = received.filter((r) => r.path === '/finance');
    const global = received.filter((r) => r.path === '/global');
    expect([finance.length, global.length]).toEqual([1, 2]);
    expect(verifySignature(FINANCE_SECRET, finance[0]!)).toBe(true);
    expect(verifySignature(GLOBAL_SECRET, finance[0]!)).toBe(false);
    for (const g of global) expect(verifySignature(GLOBAL_SECRET, g)).toBe(true);
    const log = await model.db.webhooks.list({ status: 'delivered' });
    expect(log.items).toHaveLength(3);
    expect(
      log.items.every((d) => !d.target.includes('/finance') && !d.target.includes('/global')),
    ).toBe(true);
    // Another namespace's delivery names no endpoint of `configured`: it goes nowhere.
    expect(await targets.endpointFor(plain, route.targets[1]!.url)).toBeUndefined();
  });
});
