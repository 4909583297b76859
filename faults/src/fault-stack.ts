import { join } from 'node:path';
import { repoRoot } from '@xero-access/local-cluster';
import { startStack, waitAllReady, type Stack, type StackOptions } from '@xero-access/stack';
import { uniqueName } from '@xero-access/testing';

export interface FaultStack {
  stack: Stack;
  /** The stack's folder: logs, and the control plane it started for itself under `cluster/`. */
  dir: string;
  clusterDir: string;
}

/**
 * The whole product as real processes with a control plane of its own (so restarting the API
 * server or breaking a connection touches nobody else), every example XeroConnection Ready.
 */
export async function startFaultStack(
  name: string,
  options: Omit<StackOptions, 'dir' | 'kubeconfig'> = {},
): Promise<FaultStack> {
  const dir = join(repoRoot(), '.local', uniqueName(`faults-${name}`));
  const stack = await startStack({ ...options, dir });
  await waitAllReady(stack.kc, 90_000);
  return { stack, dir, clusterDir: join(dir, 'cluster') };
}
