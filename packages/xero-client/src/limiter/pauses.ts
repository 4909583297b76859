import { type Redis } from 'ioredis';

/**
 * After a 429 every process must stop sending for that tenant (or the whole app) until
 * Retry-After. Pauses live in Redis (shared) and in memory (so they hold while Redis is away).
 */
export class PauseBoard {
  private readonly local = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  private key(scope: string): string {
    return `${this.keyPrefix}:pause:${scope}`;
  }

  async pause(scope: string, ms: number): Promise<void> {
    const until = Date.now() + ms;
    if ((this.local.get(scope) ?? 0) < until) this.local.set(scope, until);
    if (this.redis.status !== 'ready') return;
    try {
      // Keep the later of an existing pause and this one.
      await this.redis.set(this.key(scope), String(until), 'PX', ms, 'NX');
      await this.redis.pexpire(this.key(scope), ms, 'GT');
    } catch {
      // The local pause still holds for this process.
    }
  }

  /** Milliseconds until every given scope may send again (0 = now). */
  async remainingMs(scopes: readonly string[]): Promise<number> {
    const now = Date.now();
    let wait = 0;
    for (const scope of scopes) {
      const until = this.local.get(scope);
      if (until === undefined) continue;
      if (until <= now) this.local.delete(scope);
      else wait = Math.max(wait, until - now);
    }
    if (this.redis.status !== 'ready') return wait;
    try {
      const pipeline = this.redis.pipeline();
      for (const scope of scopes) pipeline.pttl(this.key(scope));
      const results = (await pipeline.exec()) ?? [];
      for (const [error, ttl] of results) {
        if (!error && typeof ttl === 'number' && ttl > 0) wait = Math.max(wait, ttl);
      }
    } catch {
      // Redis is away: the local pauses decide.
    }
    return wait;
  }
}
