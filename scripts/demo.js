#!/usr/bin/env node
// The one-command demo. Today it brings up the local control plane with the CRD installed and
// waits; the reconciler, sandbox and admin API join it as they are wired together (see README).
import { startCluster, stopCluster, defaultCrdFiles, repoRoot } from '@xero-access/local-cluster';
import { join } from 'node:path';

const dir = join(repoRoot(), '.local', 'demo-cluster');
const log = (m) => process.stderr.write(`[demo] ${m}\n`);

log('this demo currently starts only the local control plane with the XeroConnection CRD;');
log('the reconciler, Xero sandbox and admin API are not wired in yet.');
const state = await startCluster({ dir, crdFiles: defaultCrdFiles(), onProgress: log });
log(`ready: export KUBECONFIG=${state.kubeconfig}`);
log('try: kubectl explain xc.spec   |   kubectl get xc -A');
log('press Ctrl-C to stop');
const stop = async () => {
  log('stopping');
  await stopCluster(dir);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
