import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { defaultCrdFiles, startCluster, stopCluster } from '@xero-access/local-cluster';
import getPort from 'get-port';
import { AdminClient } from './admin-client.js';
import { startApp, type AppProcess } from './app-process.js';
import { applyObjects, createObjectsOnce, examplesDir, sandboxExamples } from './examples.js';
import { startSandboxProcess, type SandboxInfo } from './sandbox-process.js';

export interface StackOptions {
  /** Logs, the SQLite database and (when started here) the control plane live here. */
  dir: string;
  /** Reuse a running control plane; otherwise one is started and stopped with the stack. */
  kubeconfig?: string;
  databaseUrl?: string;
  redisUrl?: string;
  sandboxArgs?: string[];
  reconcilerEnv?: Record<string, string>;
  onProgress?: (message: string) => void;
}

export interface Stack {
  kubeconfig: string;
  kc: KubeConfig;
  sandbox: SandboxInfo;
  admin: AdminClient;
  adminToken: string;
  /** The identity provider's side: SCIM has a token of its own. */
  scim: AdminClient;
  reconcilerMetricsUrl: string;
  processes: { sandbox: AppProcess; reconciler: AppProcess; adminApi: AppProcess };
  logDir: string;
  stop(): Promise<void>;
}

// API tokens carry the admin API's `xao_` prefix.
const token = () => `xao_${randomBytes(24).toString('hex')}`;

/** Control plane, Xero sandbox, reconciler and admin API as real processes, wired as in production. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const progress = options.onProgress ?? (() => {});
  const logDir = join(options.dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const started: AppProcess[] = [];
  let clusterDir: string | undefined;
  try {
    let kubeconfig = options.kubeconfig;
    if (!kubeconfig) {
      clusterDir = join(options.dir, 'cluster');
      progress('starting the local control plane');
      kubeconfig = (
        await startCluster({ dir: clusterDir, crdFiles: defaultCrdFiles(), onProgress: progress })
      ).kubeconfig;
    }
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);

    progress('starting the Xero sandbox');
    const sandbox = await startSandboxProcess(logDir, options.sandboxArgs);
    started.push(sandbox.process);

    const common = {
      KUBECONFIG: kubeconfig,
      DATABASE_URL: options.databaseUrl ?? `sqlite://${join(options.dir, 'xero-access.sqlite')}`,
      REDIS_URL: options.redisUrl ?? process.env.XAO_REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `xao-${randomBytes(3).toString('hex')}`,
      XERO_IDENTITY_URL: sandbox.info.identityUrl,
      XERO_LOGIN_URL: sandbox.info.loginUrl,
      XERO_API_URL: sandbox.info.apiUrl,
      LOG_LEVEL: 'info',
    };

    const metricsPort = await getPort({ host: '127.0.0.1' });
    progress('starting the reconciler');
    const reconciler = await startApp({
      name: 'reconciler',
      script: 'apps/reconciler/dist/main.js',
      logDir,
      healthUrl: `http://127.0.0.1:${metricsPort}/healthz`,
      env: {
        ...common,
        METRICS_PORT: String(metricsPort),
        METRICS_HOST: '127.0.0.1',
        LEADER_ELECTION_NAMESPACE: 'default',
        // Scenarios and demos ask for syncs back to back.
        REQUESTED_SYNC_GAP: '0s',
        ...options.reconcilerEnv,
      },
    });
    started.push(reconciler);

    const adminPort = await getPort({ host: '127.0.0.1' });
    const adminToken = token();
    const scimToken = token();
    progress('starting the admin API');
    const adminApi = await startApp({
      name: 'admin-api',
      script: 'apps/admin-api/dist/cli.js',
      args: ['serve'],
      logDir,
      healthUrl: `http://127.0.0.1:${adminPort}/health/ready`,
      env: {
        ...common,
        PORT: String(adminPort),
        HOST: '127.0.0.1',
        METRICS_PORT: String(await getPort({ host: '127.0.0.1' })),
        METRICS_HOST: '127.0.0.1',
        PUBLIC_URL: `http://127.0.0.1:${adminPort}`,
        BOOTSTRAP_ADMIN_TOKEN: adminToken,
        BOOTSTRAP_SCIM_TOKEN: scimToken,
      },
    });
    started.push(adminApi);
    const admin = new AdminClient(`http://127.0.0.1:${adminPort}`, adminToken);
    const scim = new AdminClient(`http://127.0.0.1:${adminPort}`, scimToken);

    progress('importing the staff directory and account links');
    const staffDir = join(examplesDir(), 'staff-directory');
    await admin.importStaffCsv(readFileSync(join(staffDir, 'staff.csv'), 'utf8'));
    for (const link of JSON.parse(readFileSync(join(staffDir, 'account-links.json'), 'utf8')) as {
      userId: string;
      nonHuman: true;
      justification: string;
    }[]) {
      const { userId, ...body } = link;
      await admin.putLink(userId, body);
    }

    progress('applying examples/ with the sandbox credentials, and creating its token Secret once');
    const examples = sandboxExamples(sandbox.info);
    await applyObjects(kc, examples.apply);
    await createObjectsOnce(kc, examples.createOnce);

    return {
      kubeconfig,
      kc,
      sandbox: sandbox.info,
      admin,
      adminToken,
      scim,
      reconcilerMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      processes: { sandbox: sandbox.process, reconciler, adminApi },
      logDir,
      stop: async () => {
        for (const p of [...started].reverse()) await p.stop();
        if (clusterDir) await stopCluster(clusterDir);
      },
    };
  } catch (error) {
    for (const p of [...started].reverse()) await p.stop();
    if (clusterDir) await stopCluster(clusterDir);
    throw error;
  }
}
