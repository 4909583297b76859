import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './binaries.js';
import { stopCluster } from './cluster.js';
import { isAlive } from './processes.js';

describe('a test run that crashes', () => {
  const dir = join(repoRoot(), '.local', `cluster-orphan-test-${process.pid}`);
  afterAll(() => stopCluster(dir));

  it('leaves no etcd or kube-apiserver behind when its owner is SIGKILLed', async () => {
    const script = `
      import { startCluster } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
      const state = await startCluster({ dir: ${JSON.stringify(dir)} });
      console.log(JSON.stringify(state.pids));
      setInterval(() => {}, 1000);
    `;
    const owner = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pids = await new Promise<{ etcd: number; apiserver: number }>((resolve, reject) => {
      owner.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString())));
      owner.once('exit', (code) => reject(new Error(`owner exited early (${code})`)));
    });
    expect(isAlive(pids.etcd) && isAlive(pids.apiserver)).toBe(true);

    owner.kill('SIGKILL');
    await expect
      .poll(() => isAlive(pids.etcd) || isAlive(pids.apiserver), { timeout: 20_000, interval: 250 })
      .toBe(false);
  });
});
