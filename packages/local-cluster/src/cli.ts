#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { exitOnUsageError } from '@xero-access/cli-exit';
import { Command } from 'commander';
import { readClusterState, startCluster, stopCluster } from './cluster.js';
import { defaultClusterDir, defaultCrdFiles } from './defaults.js';
import { isAlive } from './processes.js';
import { repoRoot } from './binaries.js';

const log = (message: string) => process.stderr.write(`[cluster] ${message}\n`);

const program = new Command('local-cluster')
  .description('A local Kubernetes control plane (etcd + kube-apiserver) on loopback.')
  .enablePositionalOptions()
  // Before the commands (they inherit it): a bad command line exits 2; 1 is `status`'s "not running".
  .exitOverride(exitOnUsageError);

program
  .command('up')
  .description('start the control plane in the background and print the kubeconfig path')
  .option('--dir <dir>', 'state folder', defaultClusterDir())
  .action(async (opts: { dir: string }) => {
    const started = Date.now();
    const state = await startCluster({
      dir: opts.dir,
      crdFiles: defaultCrdFiles(),
      lifetime: 'detached',
      onProgress: log,
    });
    log(`ready in ${((Date.now() - started) / 1000).toFixed(1)}s at ${state.server}`);
    log(`export KUBECONFIG=${state.kubeconfig}`);
    process.stdout.write(`${state.kubeconfig}\n`);
  });

program
  .command('down')
  .description('stop the control plane started by `up` and remove its state')
  .option('--dir <dir>', 'state folder', defaultClusterDir())
  .action(async (opts: { dir: string }) => {
    log((await stopCluster(opts.dir)) ? 'stopped' : `no cluster state in ${opts.dir}`);
  });

program
  .command('status')
  .description(
    'say whether the control plane started by `up` is running (exit 0, with its KUBECONFIG) or not (exit 1)',
  )
  .option('--dir <dir>', 'state folder', defaultClusterDir())
  .action((opts: { dir: string }) => {
    const state = readClusterState(opts.dir);
    const running = state && isAlive(state.pids.apiserver) && isAlive(state.pids.etcd);
    process.stdout.write(
      running ? `running ${state.server}\nKUBECONFIG=${state.kubeconfig}\n` : 'not running\n',
    );
    process.exitCode = running ? 0 : 1;
  });

program
  .command('run')
  .description(
    'start a control plane, run a command with KUBECONFIG and XAO_KUBECONFIG set, then stop it',
  )
  .argument('<command...>')
  .passThroughOptions()
  .action(async (command: string[]) => {
    const dir = join(repoRoot(), '.local', `cluster-run-${process.pid}`);
    const started = Date.now();
    const state = await startCluster({ dir, crdFiles: defaultCrdFiles(), onProgress: log });
    log(`ready in ${((Date.now() - started) / 1000).toFixed(1)}s; running: ${command.join(' ')}`);
    const env = { ...process.env, KUBECONFIG: state.kubeconfig, XAO_KUBECONFIG: state.kubeconfig };
    const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const code = await new Promise<number>((resolve) =>
      child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))),
    );
    await stopCluster(dir);
    log('stopped');
    process.exit(code);
  });

program.parseAsync().catch((error: unknown) => {
  log(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
