import { join } from 'node:path';
import { defaultCrdFiles, repoRoot, startCluster, stopCluster } from '@xero-access/local-cluster';
import type { TestProject } from 'vitest/node';
import { serviceUrls } from './env.js';
import { checkServices } from './services.js';

/**
 * Vitest global setup for integration tests: checks Redis and PostgreSQL, and provides a local
 * control plane: the one named by XAO_KUBECONFIG (root `npm test` starts one for the whole run),
 * else one started here and stopped at teardown.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await checkServices();
  project.provide('redisUrl', serviceUrls.redis);
  project.provide('postgresUrl', serviceUrls.postgres);

  const shared = process.env.XAO_KUBECONFIG;
  if (shared) {
    project.provide('kubeconfig', shared);
    return async () => {};
  }
  const dir = join(repoRoot(), '.local', `cluster-vitest-${process.pid}`);
  const state = await startCluster({ dir, crdFiles: defaultCrdFiles(), lifetime: 'owned' });
  project.provide('kubeconfig', state.kubeconfig);
  return async () => {
    await stopCluster(dir);
  };
}
