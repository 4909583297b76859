import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  KubernetesObjectApi,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { repoRoot } from '@xero-access/local-cluster';
import { parseAllDocuments } from 'yaml';
import type { SandboxInfo } from './sandbox-process.js';

interface XeroConnectionDoc extends KubernetesObject {
  spec: {
    authFlow?: string;
    credentialsSecretRef: { name: string };
    tokenSecretRef?: { name: string };
  };
}
interface SecretDoc extends KubernetesObject {
  stringData?: Record<string, string>;
}

export const examplesDir = () => join(repoRoot(), 'examples');

/** Every object of examples/*.yaml, in file order. */
export function readExamples(dir = examplesDir()): KubernetesObject[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map(
        (d) => d.toJS() as KubernetesObject,
      ),
    )
    .filter(Boolean);
}

/**
 * The examples as a user applies them, with the placeholders in their Secrets replaced by the
 * sandbox's credentials: the app's for AuthorizationCode (plus the grant's refresh token in the
 * token Secret), the custom connection's for ClientCredentials.
 */
export function examplesForSandbox(
  objects: KubernetesObject[],
  sandbox: SandboxInfo,
): KubernetesObject[] {
  const standard = sandbox.apps.find((a) => a.kind === 'standard');
  const custom = sandbox.apps.find((a) => a.kind === 'custom-connection');
  const grant = sandbox.grants.find((g) => g.clientId === standard?.clientId);
  const secrets = new Map<string, Record<string, string>>();
  for (const xc of objects.filter((o): o is XeroConnectionDoc => o.kind === 'XeroConnection')) {
    const app = xc.spec.authFlow === 'ClientCredentials' ? custom : standard;
    if (!app)
      throw new Error(
        `the sandbox has no ${xc.spec.authFlow ?? 'AuthorizationCode'} app for ${xc.metadata?.name}`,
      );
    secrets.set(xc.spec.credentialsSecretRef.name, {
      clientId: app.clientId,
      clientSecret: app.clientSecret,
    });
    if (xc.spec.tokenSecretRef && grant)
      secrets.set(xc.spec.tokenSecretRef.name, { refresh_token: grant.refreshToken });
  }
  return objects.map((o) => {
    const replacement = o.kind === 'Secret' ? secrets.get(o.metadata!.name!) : undefined;
    return replacement ? ({ ...o, stringData: replacement } as SecretDoc) : o;
  });
}

/**
 * The examples for the sandbox as a user takes them: what `kubectl apply -f examples/` applies, and
 * the token Secrets of `examples/create-once/`, filled with the sandbox's grant.
 */
export function sandboxExamples(
  sandbox: SandboxInfo,
  dir = examplesDir(),
): { apply: KubernetesObject[]; createOnce: KubernetesObject[] } {
  const apply = readExamples(dir);
  const filled = examplesForSandbox([...apply, ...readExamples(join(dir, 'create-once'))], sandbox);
  return { apply: filled.slice(0, apply.length), createOnce: filled.slice(apply.length) };
}

/** Creates what does not exist yet and leaves what does alone, as `kubectl create` of a token Secret. */
export async function createObjectsOnce(
  kc: KubeConfig,
  objects: KubernetesObject[],
): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const object of objects) {
    try {
      await api.create(object);
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
    }
  }
}

/** Create or replace, as `kubectl apply` would for these simple objects. */
export async function applyObjects(kc: KubeConfig, objects: KubernetesObject[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const object of objects) {
    try {
      await api.create(object);
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
      const existing = await api.read({
        apiVersion: object.apiVersion!,
        kind: object.kind!,
        metadata: { name: object.metadata!.name!, namespace: object.metadata!.namespace! },
      });
      await api.replace({
        ...object,
        metadata: { ...object.metadata, resourceVersion: existing.metadata?.resourceVersion },
      });
    }
  }
}
