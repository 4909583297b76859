import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isAlive, spawnLogged, spawnWatchdog, waitFor } from '@xero-access/local-cluster';

const run = promisify(execFile);

/** A loopback port nothing listens on (bound once by the OS, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no free port')),
      );
    });
  });
}

export interface PrivateRedisOptions {
  /** Gets `private-redis.log`; a temporary folder by default. */
  logDir?: string;
  /** Started with `requirepass`: clients must AUTH with it (this class's own checks do). */
  password?: string;
}

/**
 * A redis-server of a test's own on a free loopback port, so it can be SIGKILLed and started
 * again on the same port (to prove the outage fallbacks) without touching the shared Redis other
 * tests use. No persistence: after a restart it is empty, as a Redis that lost its memory would be.
 */
export class PrivateRedisServer {
  private pid: number | undefined;

  private constructor(
    readonly port: number,
    private readonly logDir: string,
    private readonly password: string | undefined,
  ) {}

  static async start({
    logDir = mkdtempSync(join(tmpdir(), 'xao-private-redis-')),
    password,
  }: PrivateRedisOptions = {}): Promise<PrivateRedisServer> {
    const server = new PrivateRedisServer(await freePort(), logDir, password);
    await server.up();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.pid !== undefined && isAlive(this.pid);
  }

  /** Starts redis-server on this port (again) and waits until it answers PING. */
  async up(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    if (this.password !== undefined) args.push('--requirepass', this.password);
    const spawned = spawnLogged('redis-server', 'redis-server', args, {
      logFile: join(this.logDir, 'private-redis.log'),
    });
    this.pid = spawned.pid;
    spawnWatchdog(process.pid, [spawned.pid]);
    await waitFor(
      `redis-server on port ${this.port}`,
      async () => {
        if (!isAlive(spawned.pid)) throw new Error(`redis-server exited; see ${this.logDir}`);
        return (await this.ping()) === 'PONG';
      },
      10_000,
    );
  }

  /** SIGSTOP: connections stay open and commands get no answer, as with a hung Redis. */
  freeze(): void {
    if (this.pid !== undefined && isAlive(this.pid)) process.kill(this.pid, 'SIGSTOP');
  }

  /** SIGCONT after `freeze`: it answers again, commands sent meanwhile included. */
  thaw(): void {
    if (this.pid !== undefined && isAlive(this.pid)) process.kill(this.pid, 'SIGCONT');
  }

  /** SIGKILL: no SHUTDOWN, no goodbye to the clients; resolves once the process is gone. */
  async kill(): Promise<void> {
    const pid = this.pid;
    if (pid === undefined || !isAlive(pid)) return;
    process.kill(pid, 'SIGKILL');
    await waitFor('redis-server gone', async () => !isAlive(pid), 5_000);
  }

  async ping(): Promise<string> {
    return this.cli('PING').catch(() => '');
  }

  /** Keys under a prefix (proof that the product writes to this Redis again). */
  async countKeys(pattern: string): Promise<number> {
    const out = await this.cli('--scan', '--pattern', pattern);
    return out.split('\n').filter(Boolean).length;
  }

  private async cli(...args: string[]): Promise<string> {
    const { stdout } = await run(
      'redis-cli',
      ['-h', '127.0.0.1', '-p', String(this.port), ...args],
      {
        timeout: 5_000,
        // REDISCLI_AUTH, not -a, which prints a warning on every call.
        env:
          this.password === undefined
            ? process.env
            : { ...process.env, REDISCLI_AUTH: this.password },
      },
    );
    return stdout.trim();
  }
}
