import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '@xero-access/testing';
import { startSandbox, type Sandbox } from '@xero-access/xero-sandbox';
import type { ConfigInput } from '../config/config.js';
import type { XeroConnectionResource } from '../kube/kube.js';
import { createXeroConnection } from './xero-connections.js';

/** The credentials Secret of the sandbox's standard Xero app. */
const CREDENTIALS_SECRET = 'acme-xero-app';

/** What a connect test starts from: the Xero sandbox and a namespace with its app's credentials. */
export interface ConnectSetup {
  sandbox: Sandbox;
  kc: KubeConfig;
  core: CoreV1Api;
  /** A fresh namespace holding the credentials Secret of the sandbox's standard app. */
  namespace: string;
  /** Applies a XeroConnection of the standard app (`spec` adds to its credentials Secret). */
  createConnection(name: string, spec?: XeroConnectionResource['spec']): Promise<void>;
  /** A XeroConnection of the standard app whose token Secret `<name>-tokens` holds `tokens`. */
  connectionWithTokens(name: string, tokens: Record<string, string>): Promise<void>;
}

/** The admin API's `xero` setting that sends it to the sandbox. */
export function sandboxXero(sandbox: Sandbox): ConfigInput['xero'] {
  return {
    identityUrl: sandbox.identityUrl,
    loginUrl: sandbox.loginUrl,
    apiUrl: sandbox.apiUrl,
  };
}

/** Starts the sandbox and creates a namespace named after `prefix` with the credentials Secret. */
export async function connectSetup(prefix: string): Promise<ConnectSetup> {
  const sandbox = await startSandbox();
  try {
    const kc = testKubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const namespace = await createTestNamespace(kc, prefix);
    const app = sandbox.apps.find((a) => a.kind === 'standard')!;
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: CREDENTIALS_SECRET },
        stringData: { clientId: app.clientId, clientSecret: app.clientSecret },
      },
    });
    const createConnection = (name: string, spec: XeroConnectionResource['spec'] = {}) =>
      createXeroConnection(kc, namespace, name, {
        credentialsSecretRef: { name: CREDENTIALS_SECRET },
        ...spec,
      });
    return {
      sandbox,
      kc,
      core,
      namespace,
      createConnection,
      async connectionWithTokens(name, tokens) {
        await createConnection(name, { tokenSecretRef: { name: `${name}-tokens` } });
        await core.createNamespacedSecret({
          namespace,
          body: { metadata: { name: `${name}-tokens` }, stringData: tokens },
        });
      },
    };
  } catch (error) {
    await sandbox.close();
    throw error;
  }
}
