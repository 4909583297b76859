import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findTool } from '@xero-access/local-cluster';
import { parseAllDocuments } from 'yaml';

export const chartDir = fileURLToPath(new URL('../xero-access-operator', import.meta.url));
export const KUBE_VERSION = '1.37.2';

export function helm(
  args: string[],
  kubeconfig?: string,
): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(findTool('helm'), args, {
    encoding: 'utf8',
    env: {
      ...process.env,
      ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}),
      HELM_CACHE_HOME: '/tmp/xao-helm-cache',
    },
  });
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** {@link helm} without blocking: for an install or upgrade that waits on what the caller does meanwhile. */
export function helmAsync(
  args: string[],
  kubeconfig: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(findTool('helm'), args, {
    env: { ...process.env, KUBECONFIG: kubeconfig, HELM_CACHE_HOME: '/tmp/xao-helm-cache' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr })),
  );
}

/** Values every install needs: the shared database's Secret, Redis, and the OAuth state key the admin API replicas share. */
export const REQUIRED = [
  'database.existingSecret=xao-db',
  'redis.url=redis://redis.xao-system:6379',
  'adminApi.oauthStateSecret=xao-oauth-state',
];

/** `helm template` of the chart with exactly these `--set` values; the caller reads code and stderr. */
export function template(...sets: string[]): ReturnType<typeof helm> {
  return templateRelease('xao', ...sets);
}

/** {@link template} under another release name. */
export function templateRelease(release: string, ...sets: string[]): ReturnType<typeof helm> {
  return helm([
    'template',
    release,
    chartDir,
    '--namespace',
    'xao-system',
    '--kube-version',
    KUBE_VERSION,
    ...sets.flatMap((s) => ['--set', s]),
  ]);
}

/** The manifests for REQUIRED plus `sets`; throws with helm's message when it refuses. */
export function render(...sets: string[]): string {
  const out = template(...REQUIRED, ...sets);
  if (out.code !== 0) throw new Error(out.stderr);
  return out.stdout;
}

export function kinds(
  manifests: string,
): { apiVersion: string; kind: string; metadata: { name: string } }[] {
  return parseAllDocuments(manifests)
    .map((d) => d.toJS())
    .filter(Boolean);
}

export function kubectl(kubeconfig: string, args: string[]): string {
  return execFileSync(findTool('kubectl'), ['--kubeconfig', kubeconfig, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
}

/** An environment variable of a container, as the chart renders it. */
export interface EnvVar {
  name: string;
  value?: string;
}

/** The Deployments of rendered manifests, in order: each one's name and its container's env. */
export function deploymentEnvs(manifests: string): { name: string; env: EnvVar[] }[] {
  return (
    kinds(manifests).filter((o) => o.kind === 'Deployment') as unknown as {
      metadata: { name: string };
      spec: { template: { spec: { containers: { env: EnvVar[] }[] } } };
    }[]
  ).map((d) => ({ name: d.metadata.name, env: d.spec.template.spec.containers[0]!.env }));
}
