import type { CoreV1Api } from '@kubernetes/client-node';
import type { Sandbox } from '@xero-access/xero-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeGateway } from '../kube/kube.js';
import { consent } from './connect-flow.js';
import { connectSetup, sandboxXero, type ConnectSetup } from './connect-setup.js';
import { startHarness, type Harness } from './harness.js';

/**
 * Someone who may edit XeroConnections but not read Secrets names another Secret of the namespace
 * in a reference: the admin API neither describes its values nor writes a token set into it.
 */
describe('connect: Secret references naming a Secret that is not the connection’s', () => {
  let sandbox: Sandbox;
  let core: CoreV1Api;
  let namespace: string;
  let setup: ConnectSetup;
  let h: Harness;
  const UNRELATED = 'db-login';
  const LOGIN = { username: 'billing-admin', password: 'correct horse battery staple' };
  /** Code exchanges the sandbox has seen: each spends a code. */
  const exchanges = () => sandbox.stats().tokenCalls.authorization_code;

  beforeAll(async () => {
    setup = await connectSetup('api-connect-refs');
    ({ sandbox, core, namespace } = setup);
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: UNRELATED }, stringData: LOGIN },
    });
    h = await startHarness('sqlite', {
      kube: new KubeGateway(setup.kc),
      config: { xero: sandboxXero(sandbox) },
    });
  });
  afterAll(async () => {
    await h?.close();
    await sandbox?.close();
  });

  it('refuses a token Secret that holds other data with 409 before the code is spent, leaving it unchanged', async () => {
    await setup.createConnection('hijack', { tokenSecretRef: { name: UNRELATED } });
    const search = await consent(h, `${namespace}/hijack`);
    const before = await core.readNamespacedSecret({ namespace, name: UNRELATED });
    const exchanged = exchanges();

    const callback = await h.call('GET', `/connect/callback${search}`);
    expect(callback.json()).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: `Secret ${namespace}/${UNRELATED} (spec.tokenSecretRef) holds other data and no Xero token set, so the consent does not write into it: set spec.tokenSecretRef to a Secret that does not exist yet (the admin API creates it) or to the connection's token Secret, then reload this page`,
    });
    expect(callback.body).not.toMatch(/username|password/);
    expect(exchanges()).toBe(exchanged);
    const after = await core.readNamespacedSecret({ namespace, name: UNRELATED });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect(after.data).toEqual(before.data);
    expect(after.metadata?.annotations ?? {}).toEqual(before.metadata?.annotations ?? {});
  });

  it('writes the token set into an empty Secret', async () => {
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'prepared-tokens' } },
    });
    await setup.createConnection('prepared', { tokenSecretRef: { name: 'prepared-tokens' } });
    const callback = await h.call(
      'GET',
      `/connect/callback${await consent(h, `${namespace}/prepared`)}`,
    );
    expect(callback.statusCode, callback.body).toBe(200);
    const secret = await core.readNamespacedSecret({ namespace, name: 'prepared-tokens' });
    expect(Object.keys(secret.data ?? {})).toContain('refresh_token');
  });

  it('says of credentials read from another Secret only that a named key is missing or malformed', async () => {
    await setup.createConnection('wrong-key', {
      credentialsSecretRef: { name: UNRELATED },
      tokenSecretRef: { name: 'wrong-key-tokens' },
    });
    await setup.createConnection('wrong-value', {
      credentialsSecretRef: {
        name: UNRELATED,
        clientIdKey: 'username',
        clientSecretKey: 'password',
      },
      tokenSecretRef: { name: 'wrong-value-tokens' },
    });
    const start = (name: string) =>
      h.call('POST', `/connections/${namespace}/${name}/connect`, { token: h.tokens.admin });

    const missing = await start('wrong-key');
    expect(missing.json()).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: `Secret ${namespace}/${UNRELATED} (spec.credentialsSecretRef): key clientId is missing.`,
    });
    const malformed = await start('wrong-value');
    expect(malformed.json()).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: `Secret ${namespace}/${UNRELATED} (spec.credentialsSecretRef): key password is malformed (expected the client secret of a Xero app: printable ASCII without spaces, at most 1024 characters).`,
    });
    for (const answer of [missing, malformed]) {
      expect(answer.body).not.toContain('billing');
      expect(answer.body).not.toContain('horse');
      expect(answer.body).not.toMatch(new RegExp(`\\b${LOGIN.password.length}\\b`));
    }
    expect(missing.body).not.toMatch(/username|password/);
  });
});
