import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, RbacAuthorizationV1Api, type CoreV1Api } from '@kubernetes/client-node';
import { reevaluationKeys } from '@xero-access/model';
import {
  freePort,
  latePort,
  redisTestPrefix,
  serviceUrls,
  type LatePort,
} from '@xero-access/testing';
import type { Sandbox } from '@xero-access/xero-sandbox';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServer } from '../app/serve.js';
import { parseConfig } from '../config/config.js';
import { KubeGateway } from '../kube/kube.js';
import { createLogger } from '../logging/logger.js';
import { callServer, consent, kubeConfigThrough } from './connect-flow.js';
import { connectSetup, sandboxXero, type ConnectSetup } from './connect-setup.js';
import { startHarness, type Harness } from './harness.js';

/** Longer than the ~15 s the callback used to hold the token set before dropping it. */
const OUTAGE_MS = 18_000;
const DRAIN_SECONDS = 3;
const NOT_USED =
  "Xero's authorization code was not used: reload this page to try again within 5 minutes of consenting, else start the connection again";

describe('connect while the Kubernetes API is unreachable or refuses', () => {
  let sandbox: Sandbox;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let namespace: string;
  let setup: ConnectSetup;
  /** The admin API's way to the API server: the tests close it to make Kubernetes unreachable. */
  let port: LatePort;
  let portOpen = false;
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', {
    write: (text: string) => void lines.push(JSON.parse(text) as Record<string, unknown>),
  });
  const linesOf = (name: string) => lines.filter((l) => l.connection === `${namespace}/${name}`);

  const openPort = async () => {
    if (portOpen) return;
    portOpen = true;
    await port.open();
  };
  const closePort = async () => {
    if (!portOpen) return;
    portOpen = false;
    await port.close();
  };
  /** Code exchanges the sandbox has seen: each spends a code. */
  const exchanges = () => sandbox.stats().tokenCalls.authorization_code;
  const refreshTokenOf = async (name: string) => {
    const secret = await core.readNamespacedSecret({ namespace, name: `${name}-tokens` });
    return Buffer.from(secret.data?.refresh_token ?? '', 'base64').toString('utf8');
  };
  const withEarlierTokens = (name: string) =>
    setup.connectionWithTokens(name, { refresh_token: 'earlier' });

  /** The API server goes away as the token set is really written (not dry-run), for `forMs`. */
  function outageAtWrite(gateway: KubeGateway, name: string, forMs?: number) {
    const replace = gateway.core.replaceNamespacedSecret;
    const outage = {
      startedAt: 0,
      restore: () => (gateway.core.replaceNamespacedSecret = replace),
    };
    gateway.core.replaceNamespacedSecret = async (param, options) => {
      if (param.name === `${name}-tokens` && !param.dryRun && !outage.startedAt) {
        outage.startedAt = Date.now();
        await closePort();
        if (forMs !== undefined) setTimeout(() => void openPort(), forMs);
      }
      return replace.call(gateway.core, param, options);
    };
    return outage;
  }

  beforeAll(async () => {
    setup = await connectSetup('api-connect-outage');
    ({ sandbox, kc, core, namespace } = setup);
    port = await latePort(kc.getCurrentCluster()!.server);
    await openPort();
  });
  afterAll(async () => {
    await closePort();
    await sandbox?.close();
  });

  describe('the callback', () => {
    let gateway: KubeGateway;
    let h: Harness;
    beforeAll(async () => {
      gateway = new KubeGateway(kubeConfigThrough(kc, port.port));
      h = await startHarness('sqlite', {
        kube: gateway,
        logger,
        config: { xero: sandboxXero(sandbox) },
      });
    });
    afterAll(async () => h?.close());

    it('checks it can write the token Secret before spending the code: unreachable, it answers 503 and a reload once Kubernetes is back stores the tokens', async () => {
      await withEarlierTokens('preflight');
      const search = await consent(h, `${namespace}/preflight`);
      // The API server goes away as the token Secret is first read: the XeroConnection and its
      // credentials are read, the code not yet exchanged.
      const read = gateway.core.readNamespacedSecret;
      gateway.core.readNamespacedSecret = async (param, options) => {
        if (param.name === 'preflight-tokens') await closePort();
        return read.call(gateway.core, param, options);
      };
      const before = exchanges();
      let callback;
      try {
        callback = await h.call('GET', `/connect/callback${search}`);
      } finally {
        gateway.core.readNamespacedSecret = read;
      }
      expect(callback.json()).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: `cannot write the token Secret ${namespace}/preflight-tokens: the Kubernetes API is unreachable. ${NOT_USED}`,
      });
      expect(callback.headers['retry-after']).toBeDefined();
      expect(exchanges()).toBe(before);

      await openPort();
      const reloaded = await h.call('GET', `/connect/callback${search}`);
      expect(reloaded.statusCode, reloaded.body).toBe(200);
      expect(exchanges()).toBe(before + 1);
      expect(await refreshTokenOf('preflight')).not.toBe('earlier');
    });

    it('answers 502 naming the Secret when Kubernetes refuses the write, without spending the code; once permitted, a reload stores the tokens', async () => {
      await withEarlierTokens('forbidden');
      // An identity that may read the XeroConnection and Secrets but not write them.
      const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
      const role = (secretVerbs: string[]) => ({
        metadata: { name: 'read-only' },
        rules: [
          { apiGroups: [''], resources: ['secrets'], verbs: secretVerbs },
          { apiGroups: ['xeroaccess.dev'], resources: ['xeroconnections'], verbs: ['get'] },
        ],
      });
      await rbac.createNamespacedRole({ namespace, body: role(['get']) });
      await rbac.createNamespacedRoleBinding({
        namespace,
        body: {
          metadata: { name: 'read-only' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-only' },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'read-only' }],
        },
      });
      const readOnly = new KubeConfig();
      readOnly.loadFromOptions({
        clusters: kc.clusters,
        users: kc.users.map((user) => ({ ...user, impersonateUser: 'read-only' })),
        contexts: kc.contexts,
        currentContext: kc.currentContext,
      });
      const limitedGateway = new KubeGateway(readOnly);
      await vi.waitFor(() => limitedGateway.getConnection(namespace, 'forbidden'), {
        timeout: 10_000,
      });
      const limited = await startHarness('sqlite', {
        kube: limitedGateway,
        config: { xero: sandboxXero(sandbox) },
      });
      try {
        const untouched = await core.readNamespacedSecret({ namespace, name: 'forbidden-tokens' });
        const search = await consent(limited, `${namespace}/forbidden`);
        const before = exchanges();
        const callback = await limited.call('GET', `/connect/callback${search}`);
        expect(callback.json()).toEqual({
          statusCode: 502,
          error: 'Bad Gateway',
          message: `cannot write the token Secret ${namespace}/forbidden-tokens: the Kubernetes API answered HTTP 403 (see the admin API's permissions). ${NOT_USED}`,
        });
        expect(callback.body).not.toContain(new URLSearchParams(search).get('code')!);
        expect(exchanges()).toBe(before);
        const after = await core.readNamespacedSecret({ namespace, name: 'forbidden-tokens' });
        expect(after.metadata?.resourceVersion).toBe(untouched.metadata?.resourceVersion);

        // The operator grants what the chart grants; the person reloads the callback.
        await rbac.replaceNamespacedRole({
          namespace,
          name: 'read-only',
          body: role(['get', 'create', 'update']),
        });
        await vi.waitFor(
          async () => {
            const reloaded = await limited.call('GET', `/connect/callback${search}`);
            expect(reloaded.statusCode, reloaded.body).toBe(200);
          },
          { timeout: 10_000, interval: 250 },
        );
        expect(exchanges()).toBe(before + 1);
        expect(await refreshTokenOf('forbidden')).not.toBe('earlier');
      } finally {
        await limited.close();
      }
    });

    it('refuses an immutable token Secret before spending the code (a dry run of it unchanged would pass)', async () => {
      await setup.createConnection('immutable', { tokenSecretRef: { name: 'immutable-tokens' } });
      await core.createNamespacedSecret({
        namespace,
        body: {
          metadata: { name: 'immutable-tokens' },
          immutable: true,
          stringData: { refresh_token: 'earlier' },
        },
      });
      const search = await consent(h, `${namespace}/immutable`);
      const before = exchanges();
      const callback = await h.call('GET', `/connect/callback${search}`);
      expect(callback.json()).toEqual({
        statusCode: 409,
        error: 'Conflict',
        message: `token Secret ${namespace}/immutable-tokens (spec.tokenSecretRef) is immutable, so no token set can be written into it: recreate it without \`immutable\` (e.g. kubectl replace --force), then reload this page`,
      });
      expect(exchanges()).toBe(before);
    });

    it('holds the token set through an outage after the exchange longer than the person waits: answers 202, stores it once Kubernetes is back', async () => {
      await withEarlierTokens('outage');
      const search = await consent(h, `${namespace}/outage`);
      const before = exchanges();
      const outage = outageAtWrite(gateway, 'outage', OUTAGE_MS);
      try {
        const callback = await h.call('GET', `/connect/callback${search}`);
        expect(callback.statusCode, callback.body).toBe(202);
        expect(Date.now() - outage.startedAt).toBeLessThan(OUTAGE_MS);
        expect(callback.json()).toMatchObject({
          connected: false,
          connection: `${namespace}/outage`,
          tokenSecret: 'outage-tokens',
          storingUntil: expect.any(String),
          message: expect.stringMatching(
            /^Xero granted access\. The Kubernetes API has not stored the token set in Secret .*\/outage-tokens yet \(unreachable \(.+\)\), so the admin API keeps it and tries again until /,
          ),
        });
        const held = await h.call('GET', '/health/dependencies');
        expect(held.json()).toMatchObject({ status: 'ok', heldTokenSets: 1 });
        expect(await refreshTokenOf('outage')).toBe('earlier');

        await vi.waitFor(async () => expect(await refreshTokenOf('outage')).not.toBe('earlier'), {
          timeout: 30_000,
          interval: 250,
        });
      } finally {
        outage.restore();
      }
      expect(Date.now() - outage.startedAt).toBeGreaterThanOrEqual(OUTAGE_MS);
      expect(exchanges()).toBe(before + 1);
      expect((await h.call('GET', '/health/dependencies')).json().heldTokenSets).toBe(0);
      const logged = linesOf('outage');
      expect(logged.filter((l) => l.level === 'warn').length).toBeGreaterThanOrEqual(5);
      expect(logged.at(-1)).toMatchObject({
        level: 'info',
        msg: 'stored a new Xero token set',
        secret: `${namespace}/outage-tokens`,
        startedBy: 'token:test-admin',
      });
      expect(JSON.stringify(lines)).not.toContain(await refreshTokenOf('outage'));
      expect(await h.redis.smembers(reevaluationKeys(h.prefix).pending)).toContain(
        `${namespace}/outage`,
      );
    }, 60_000);
  });

  describe('at shutdown (what SIGTERM runs)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xao-api-connect-shutdown-'));
    const prefix = redisTestPrefix('api-connect-shutdown');
    const token = `xao_${randomBytes(32).toString('base64url')}`;
    afterAll(async () => {
      const redis = new Redis(serviceUrls.redis);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Serves the API as `serve` does, reaching the API server through the port. */
    async function serve(name: string) {
      const kubeconfig = join(dir, `${name}.kubeconfig`);
      writeFileSync(kubeconfig, kubeConfigThrough(kc, port.port).exportConfig());
      const config = parseConfig({
        databaseUrl: `sqlite://${join(dir, `${name}.db`)}`,
        redisUrl: serviceUrls.redis,
        redisKeyPrefix: prefix,
        host: '127.0.0.1',
        port: await freePort(),
        metricsPort: 0,
        kubeconfig,
        bootstrapAdminToken: token,
        shutdownDrainSeconds: DRAIN_SECONDS,
        oidc: {},
        xero: sandboxXero(sandbox),
      });
      const server = await startServer(config, logger);
      return {
        server,
        api: { call: callServer(server.url), tokens: { admin: token } },
        gateway: server.app.get(KubeGateway),
      };
    }

    /** Consents for `name`, whose token write meets an outage: the callback answers 202. */
    async function heldConsent(name: string) {
      await withEarlierTokens(name);
      const served = await serve(name);
      const search = await consent(served.api, `${namespace}/${name}`);
      outageAtWrite(served.gateway, name);
      const callback = await served.api.call('GET', `/connect/callback${search}`);
      expect(callback.statusCode, callback.body).toBe(202);
      return served.server;
    }

    it('tries held token sets at once when the drain begins, so a Kubernetes API back by then stores them', async () => {
      const server = await heldConsent('drained');
      try {
        // Into the 8 s pause: without a try at shutdown, the next one would come after the drain.
        await vi.waitFor(
          () => expect(linesOf('drained').some((l) => l.pauseMs === 8000)).toBe(true),
          { timeout: 15_000, interval: 100 },
        );
        await openPort();
        await server.shutdown();
      } finally {
        await server.close();
      }
      expect(await refreshTokenOf('drained')).not.toBe('earlier');
      expect(linesOf('drained').at(-1)).toMatchObject({ msg: 'stored a new Xero token set' });
      expect(linesOf('drained').filter((l) => l.level === 'error')).toEqual([]);
    }, 60_000);

    it('logs each token set still unsaved at exit at error level, naming the connection', async () => {
      const server = await heldConsent('unsaved');
      try {
        await server.shutdown();
      } finally {
        await server.close();
        await openPort();
      }
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          msg: 'shutting down with Xero token sets not stored yet: trying them through the drain',
          connections: [`${namespace}/unsaved`],
        }),
      );
      expect(linesOf('unsaved').at(-1)).toMatchObject({
        level: 'error',
        msg: 'the admin API stopped before the new Xero token set was stored in its Secret: the person must consent again',
        secret: `${namespace}/unsaved-tokens`,
        startedBy: 'token:bootstrap-admin',
        problem: expect.stringMatching(/^unreachable \(.+\)$/),
      });
      expect(await refreshTokenOf('unsaved')).toBe('earlier');
    }, 60_000);
  });
});
