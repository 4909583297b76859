import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import {
  isAlive,
  probe,
  readClusterState,
  spawnLogged,
  spawnWatchdog,
  stopProcesses,
  waitFor,
} from '@xero-access/local-cluster';

/** The command line a running process was started with (Linux). */
function commandLine(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

/** The control plane's API server is gone: etcd keeps the data, clients see connection refused. */
export async function stopApiserver(clusterDir: string): Promise<string[]> {
  const state = readClusterState(clusterDir);
  if (!state) throw new Error(`no local cluster state in ${clusterDir}`);
  const argv = commandLine(state.pids.apiserver);
  await stopProcesses([state.pids.apiserver]);
  return argv;
}

/**
 * Starts kube-apiserver again with exactly the command line it had (same port, certificates and
 * etcd), records the new pid so `stopCluster` still stops it, and waits for /readyz.
 */
export async function startApiserverAgain(clusterDir: string, argv: string[]): Promise<void> {
  const state = readClusterState(clusterDir);
  if (!state) throw new Error(`no local cluster state in ${clusterDir}`);
  const [command, ...args] = argv;
  if (!command) throw new Error('empty kube-apiserver command line');
  const apiserver = spawnLogged('kube-apiserver', command, args, {
    logFile: join(clusterDir, 'logs', 'kube-apiserver.log'),
  });
  spawnWatchdog(process.pid, [apiserver.pid]);
  writeFileSync(
    join(clusterDir, 'cluster.json'),
    JSON.stringify({ ...state, pids: { ...state.pids, apiserver: apiserver.pid } }, null, 2),
  );

  const kc = new KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  const user = kc.getCurrentUser();
  const cluster = kc.getCurrentCluster();
  const decode = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString('utf8');
  const tls = {
    ca: decode(cluster?.caData),
    cert: decode(user?.certData),
    key: decode(user?.keyData),
  };
  await waitFor(
    'kube-apiserver after restart',
    async () => {
      if (!isAlive(apiserver.pid))
        throw new Error(`kube-apiserver exited; see ${apiserver.logFile}`);
      return (await probe(`${state.server}/readyz`, tls)) === 200;
    },
    60_000,
  );
}
