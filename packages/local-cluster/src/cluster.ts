import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import getPort from 'get-port';
import { findTool } from './binaries.js';
import { generateClusterCertificates } from './certs.js';
import { renderKubeconfig } from './kubeconfig.js';
import { isAlive, spawnLogged, spawnWatchdog, stopProcesses, type Spawned } from './processes.js';
import { probe, waitFor } from './readiness.js';
import { installCrds } from './crds.js';

export interface StartOptions {
  /** Folder for data, certificates, logs and the kubeconfig; removed on stop unless `keep`. */
  dir: string;
  /** CRD manifests (YAML files) to install once the API server is ready. */
  crdFiles?: string[];
  /**
   * `owned`: the processes stop when this Node.js process exits, even by SIGKILL (tests).
   * `detached`: they keep running until `stop` (the `cluster:up` CLI).
   */
  lifetime?: 'owned' | 'detached';
  onProgress?: (message: string) => void;
}

export interface ClusterState {
  dir: string;
  kubeconfig: string;
  server: string;
  etcdUrl: string;
  pids: { etcd: number; apiserver: number };
  startedAt: string;
}

const STATE_FILE = 'cluster.json';

export function readClusterState(dir: string): ClusterState | undefined {
  const file = join(dir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
}

/** Starts etcd and kube-apiserver on free loopback ports, as controller-runtime's envtest does. */
export async function startCluster(options: StartOptions): Promise<ClusterState> {
  const { dir, lifetime = 'owned' } = options;
  const progress = options.onProgress ?? (() => {});
  const previous = readClusterState(dir);
  if (previous && (isAlive(previous.pids.etcd) || isAlive(previous.pids.apiserver))) {
    throw new Error(
      `a local cluster is already running from ${dir} (pids ${previous.pids.etcd}, ${previous.pids.apiserver}); stop it first`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  const pki = join(dir, 'pki');
  mkdirSync(pki, { recursive: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });

  const etcdBin = findTool('etcd');
  const apiserverBin = findTool('kube-apiserver');
  progress('generating certificates');
  const certs = await generateClusterCertificates();
  const files = {
    ca: join(pki, 'ca.crt'),
    servingCert: join(pki, 'apiserver.crt'),
    servingKey: join(pki, 'apiserver.key'),
    saPub: join(pki, 'sa.pub'),
    saKey: join(pki, 'sa.key'),
  };
  writeFileSync(files.ca, certs.ca.cert);
  writeFileSync(files.servingCert, certs.serving.cert);
  writeFileSync(files.servingKey, certs.serving.key, { mode: 0o600 });
  writeFileSync(files.saPub, certs.serviceAccount.publicKey);
  writeFileSync(files.saKey, certs.serviceAccount.privateKey, { mode: 0o600 });

  const [etcdPort, peerPort, apiPort] = [
    await getPort({ host: '127.0.0.1' }),
    await getPort({ host: '127.0.0.1' }),
    await getPort({ host: '127.0.0.1' }),
  ];
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const detached = lifetime === 'detached';

  progress(`starting etcd on ${etcdUrl}`);
  const etcd = spawnLogged(
    'etcd',
    etcdBin,
    [
      '--name=default',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    { logFile: join(dir, 'logs', 'etcd.log'), detached },
  );
  const started: Spawned[] = [etcd];
  if (!detached) spawnWatchdog(process.pid, [etcd.pid]);

  try {
    await waitFor(
      'etcd',
      async () => (await probe(`${etcdUrl}/health`)) === 200,
      30_000,
      () => `see ${etcd.logFile}`,
    );

    const server = `https://127.0.0.1:${apiPort}`;
    progress(`starting kube-apiserver on ${server}`);
    const apiserver = spawnLogged(
      'kube-apiserver',
      apiserverBin,
      [
        '--advertise-address=127.0.0.1',
        '--bind-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--etcd-servers=${etcdUrl}`,
        `--cert-dir=${pki}`,
        `--tls-cert-file=${files.servingCert}`,
        `--tls-private-key-file=${files.servingKey}`,
        `--client-ca-file=${files.ca}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${files.saPub}`,
        `--service-account-signing-key-file=${files.saKey}`,
        '--authorization-mode=RBAC',
        '--disable-admission-plugins=ServiceAccount',
        '--allow-privileged=true',
        '--endpoint-reconciler-type=none', // loopback advertise address; no kubernetes Service endpoints needed
        '--v=0',
      ],
      { logFile: join(dir, 'logs', 'kube-apiserver.log'), detached },
    );
    started.push(apiserver);
    if (!detached) spawnWatchdog(process.pid, [apiserver.pid]);

    const tls = { ca: certs.ca.cert, cert: certs.admin.cert, key: certs.admin.key };
    await waitFor(
      'kube-apiserver',
      async () => {
        if (!isAlive(apiserver.pid))
          throw new Error(`kube-apiserver exited; see ${apiserver.logFile}`);
        return (await probe(`${server}/readyz`, tls)) === 200;
      },
      60_000,
      () => `see ${apiserver.logFile}`,
    );

    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, renderKubeconfig(server, certs), { mode: 0o600 });
    if (options.crdFiles?.length) {
      progress(`installing ${options.crdFiles.length} CRD(s)`);
      await installCrds(kubeconfig, options.crdFiles);
    }
    const state: ClusterState = {
      dir,
      kubeconfig,
      server,
      etcdUrl,
      pids: { etcd: etcd.pid, apiserver: apiserver.pid },
      startedAt: new Date().toISOString(),
    };
    writeFileSync(join(dir, STATE_FILE), JSON.stringify(state, null, 2));
    return state;
  } catch (error) {
    await stopProcesses(
      started.map((s) => s.pid),
      2000,
    );
    throw error;
  }
}

/** Stops the cluster's processes (API server first) and, unless `keep`, removes its folder. */
export async function stopCluster(dir: string, keep = false): Promise<boolean> {
  const state = readClusterState(dir);
  if (!state) return false;
  await stopProcesses([state.pids.apiserver]);
  await stopProcesses([state.pids.etcd]);
  if (!keep) rmSync(dir, { recursive: true, force: true });
  return true;
}
