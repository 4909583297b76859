import { createHash } from 'node:crypto';

interface Entry<T> {
  value: T;
  expiresAt: number;
}

/**
 * Remembers verified API tokens for a few seconds so a busy client costs no database read per
 * request. Only successes are cached (keyed by the token's sha256, never the token), and a
 * revocation through this process clears the cache; one through another replica or the CLI
 * takes effect within `ttlMs`.
 */
export class VerifiedTokenCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
  ) {}

  private key(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }

  get(token: string, now = Date.now()): T | undefined {
    const key = this.key(token);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(token: string, value: T, expiresAt: Date | null, now = Date.now()): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const until = Math.min(now + this.ttlMs, expiresAt?.getTime() ?? Infinity);
    this.entries.set(this.key(token), { value, expiresAt: until });
  }

  clear(): void {
    this.entries.clear();
  }
}
