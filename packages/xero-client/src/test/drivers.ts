import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  type ChildMessage,
  type DriverJob,
  type LoadResult,
  type RefreshResult,
} from './driver-protocol.js';

const DRIVER = fileURLToPath(new URL('./driver.ts', import.meta.url));

class Driver {
  private readonly messages: ChildMessage[] = [];
  private readonly waiters: ((m: ChildMessage) => void)[] = [];

  constructor(readonly child: ChildProcess) {
    child.on('message', (m: ChildMessage) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter(m);
      else this.messages.push(m);
    });
  }

  next(): Promise<ChildMessage> {
    const queued = this.messages.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      this.waiters.push(resolve);
      this.child.once('exit', (code) => reject(new Error(`driver exited with ${code}`)));
    });
  }
}

async function expect(driver: Driver, type: ChildMessage['type']): Promise<ChildMessage> {
  const message = await driver.next();
  if (message.type === 'error') throw new Error(`driver failed: ${message.message}`);
  if (message.type !== type) throw new Error(`driver sent ${message.type}, expected ${type}`);
  return message;
}

/**
 * Forks one client process per job, waits until all are connected, then starts them at the
 * same moment (`onStart` runs then) and returns their results in job order.
 */
export async function runDrivers<R extends LoadResult | RefreshResult>(
  jobs: DriverJob[],
  onStart: () => void = () => undefined,
): Promise<R[]> {
  const drivers = jobs.map(
    () =>
      new Driver(
        fork(DRIVER, [], {
          execArgv: ['--import', 'tsx'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        }),
      ),
  );
  try {
    jobs.forEach((job, i) => drivers[i]!.child.send({ type: 'job', job }));
    await Promise.all(drivers.map((d) => expect(d, 'ready')));
    onStart();
    for (const d of drivers) d.child.send({ type: 'go' });
    const done = await Promise.all(drivers.map((d) => expect(d, 'done')));
    return done.map((m) => (m as unknown as { result: R }).result);
  } finally {
    for (const d of drivers) if (d.child.exitCode === null) d.child.kill();
  }
}
