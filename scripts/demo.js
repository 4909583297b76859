#!/usr/bin/env node
// The one-command demo (README): the local control plane, Redis, SQLite, the Xero sandbox with its
// example organisations, the reconciler and the admin API as real processes; examples/ applied (its token Secret created once);
// then where to look. Ctrl-C stops everything.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { findTool, repoRoot } from '@xero-access/local-cluster';
import { startStack, waitAllReady } from '@xero-access/stack';

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const log = (message) => process.stderr.write(`[demo ${elapsed()}] ${message}\n`);
const dir = join(repoRoot(), '.local', 'demo');

const stack = await startStack({ dir, onProgress: log });
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  log('stopping the admin API, reconciler, sandbox and control plane');
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

log('waiting for every XeroConnection to become Ready');
let last = '';
await waitAllReady(stack.kc, 120_000, (ready, total) => {
  const line = `${ready}/${total} Ready`;
  if (line !== last) log(line);
  last = line;
});

const kubectl = findTool('kubectl');
const xc = execFileSync(kubectl, ['--kubeconfig', stack.kubeconfig, 'get', 'xc', '-A'], {
  encoding: 'utf8',
});
const findings = await stack.admin.request('GET', '/findings?status=open&limit=200');
const rows = findings.items.map((f) => ({
  connection: `${f.connection.namespace}/${f.connection.name}`,
  check: f.check,
  severity: f.severity,
  subject: f.subject.id,
  message: f.message.length > 70 ? `${f.message.slice(0, 69)}…` : f.message,
}));

process.stdout.write(`
Ready in ${elapsed()}.

  kubectl:    export KUBECONFIG=${stack.kubeconfig}
              ${kubectl} get xc -A
  admin API:  ${stack.admin.baseUrl}/docs   (token: ${stack.adminToken})
              curl -H "authorization: Bearer ${stack.adminToken}" '${stack.admin.baseUrl}/findings?status=open'
  sandbox:    ${stack.sandbox.url}   (joiners, leavers, faults: ${stack.sandbox.adminUrl})
  logs:       ${stack.logDir}

${xc}
Open findings (${rows.length}):
`);
console.table(rows);
log('press Ctrl-C to stop');
setInterval(() => {}, 1 << 30);
