import { reevaluationKeys } from '@xero-access/model';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';

export interface ReevaluationListenerOptions {
  redis: Redis;
  keyPrefix: string;
  /** Asks for the connection's checks to run again now (the reconciler: a sync request). */
  reevaluate: (namespace: string, name: string) => Promise<void>;
  logger: Logger;
  /** Drains the pending set this often even without a message (a missed PUBLISH loses nothing). */
  drainEveryMs?: number;
}

const BATCH = 100;

/**
 * The reconciler's side of the re-evaluation contract (@xero-access/model): drains the pending set
 * with SPOP, so each request is taken by exactly one replica, on every PUBLISH and on a timer.
 * A request that fails goes back into the set for the next drain.
 */
export class ReevaluationListener {
  private subscriber: Redis | undefined;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private again = false;
  private readonly keys: { channel: string; pending: string };

  constructor(private readonly options: ReevaluationListenerOptions) {
    this.keys = reevaluationKeys(options.keyPrefix);
  }

  async start(): Promise<void> {
    // Its own connection, queueing while (re)connecting: the shared client fails fast by design.
    this.subscriber = this.options.redis.duplicate({ enableOfflineQueue: true });
    this.subscriber.on('message', () => void this.drain());
    // ioredis reports every failed reconnect: say it at most every 30 s (without a stack).
    let reportedAt = 0;
    this.subscriber.on('error', (error: Error) => {
      if (Date.now() - reportedAt < 30_000) return;
      reportedAt = Date.now();
      this.options.logger.warn(
        { cause: error.message },
        're-evaluation subscriber lost Redis; reconnecting (requests wait in Redis meanwhile)',
      );
    });
    await this.subscriber.subscribe(this.keys.channel);
    this.timer = setInterval(() => void this.drain(), this.options.drainEveryMs ?? 30_000);
    this.timer.unref();
    await this.drain();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.subscriber?.disconnect();
    await this.draining;
    this.commandConnection?.disconnect();
  }

  private commandConnection: Redis | undefined;

  private commands(): Redis {
    if (!this.commandConnection) {
      this.commandConnection = this.options.redis.duplicate({ enableOfflineQueue: true });
      // Without a listener ioredis prints "Unhandled error event" for every failed reconnect;
      // the subscriber already reports the outage.
      this.commandConnection.on('error', () => undefined);
    }
    return this.commandConnection;
  }

  /** One drain at a time; a request arriving meanwhile runs one more. */
  drain(): Promise<void> {
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = (async () => {
      do {
        this.again = false;
        await this.drainOnce();
      } while (this.again);
    })().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async drainOnce(): Promise<void> {
    const { logger, reevaluate } = this.options;
    const redis = this.commands();
    for (;;) {
      let keys: string[];
      try {
        keys = await redis.spop(this.keys.pending, BATCH);
      } catch (error) {
        logger.warn(
          { err: error },
          'could not read re-evaluation requests; the next drain retries',
        );
        return;
      }
      if (keys.length === 0) return;
      const failed: string[] = [];
      for (const key of keys) {
        const [namespace, name] = key.split('/');
        if (!namespace || !name) {
          logger.warn({ key }, 'ignoring a re-evaluation request that is not namespace/name');
          continue;
        }
        try {
          await reevaluate(namespace, name);
          logger.info({ connection: key }, 're-evaluation requested');
        } catch (error) {
          if ((error as { code?: number }).code === 404) continue; // the connection is gone
          logger.warn(
            { err: error, connection: key },
            'could not request re-evaluation; will retry',
          );
          failed.push(key);
        }
      }
      if (failed.length > 0) {
        await redis.sadd(this.keys.pending, ...failed).catch(() => {});
        return;
      }
    }
  }
}
