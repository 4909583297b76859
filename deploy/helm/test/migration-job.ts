import { spawnSync } from 'node:child_process';
import { findTool } from '@xero-access/local-cluster';
import { kubectl } from './helm.js';

export interface JobObject {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { backoffLimit: number; template: { spec: Record<string, unknown> } };
  status?: { conditions?: unknown[] };
}

/*
 * The local control plane is an API server and etcd, with no controllers: these play the Job
 * controller for the chart's migration hook, so `helm install` and `helm upgrade` can wait for it.
 */

/**
 * The Job Helm created, once there is one without an outcome yet (a failed Job of an earlier
 * attempt stays until Helm replaces it).
 */
export async function newMigrationJob(
  kubeconfig: string,
  namespace: string,
  name: string,
  timeoutMs = 30_000,
): Promise<JobObject> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const get = spawnSync(
      findTool('kubectl'),
      ['--kubeconfig', kubeconfig, '-n', namespace, 'get', 'job', name, '-o', 'json'],
      { encoding: 'utf8' },
    );
    if (get.status === 0) {
      const job = JSON.parse(get.stdout) as JobObject;
      if (!job.status?.conditions?.length) return job;
    }
    if (Date.now() > deadline)
      throw new Error(`no new Job ${namespace}/${name} in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Records on the Job's status that its pod succeeded, or that it failed past its backoffLimit. */
export function recordJobOutcome(
  kubeconfig: string,
  namespace: string,
  job: JobObject,
  outcome: 'Complete' | 'Failed',
): void {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const condition = (type: string, reason?: string) => ({
    type,
    status: 'True',
    lastProbeTime: now,
    lastTransitionTime: now,
    ...(reason ? { reason, message: 'Job has reached the specified backoff limit' } : {}),
  });
  const status =
    outcome === 'Complete'
      ? {
          startTime: now,
          completionTime: now,
          succeeded: 1,
          conditions: [condition('SuccessCriteriaMet'), condition('Complete')],
        }
      : {
          startTime: now,
          failed: job.spec.backoffLimit + 1,
          conditions: [
            condition('FailureTarget', 'BackoffLimitExceeded'),
            condition('Failed', 'BackoffLimitExceeded'),
          ],
        };
  kubectl(kubeconfig, [
    '-n',
    namespace,
    'patch',
    'job',
    job.metadata.name,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status }),
  ]);
}

/** Waits for the migration Job and lets it end with `outcome`. */
export async function finishMigrationJob(
  kubeconfig: string,
  namespace: string,
  name: string,
  outcome: 'Complete' | 'Failed',
): Promise<void> {
  recordJobOutcome(
    kubeconfig,
    namespace,
    await newMigrationJob(kubeconfig, namespace, name),
    outcome,
  );
}
