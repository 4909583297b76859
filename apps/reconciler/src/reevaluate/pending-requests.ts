import type { Redis } from 'ioredis';

/** Requests one take handed to this replica, and the lease that makes them its own. */
export interface TakenRequests {
  /** When the lease ends (Redis time, ms): also the token that proves the requests still ours. */
  lease: number;
  /** Each request with how often it failed before. */
  requests: { request: string; failures: number }[];
  /**
   * When this take found nothing due: in how many ms the first request left in `taken` is (a failed
   * one's retry, or the end of a replica's lease). Null otherwise, or when none is left.
   */
  nextDueInMs: number | null;
}

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Still ours: taken by us (the score is our lease) and not taken again since. */
const OURS = `tonumber(redis.call('ZSCORE', KEYS[2], request)) == tonumber(ARGV[1])`;

// KEYS: pending, taken, failures. ARGV: how many, lease ms.
const TAKE = `${NOW}
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 1000)
for _, request in ipairs(due) do
  redis.call('SADD', KEYS[1], request)
  redis.call('ZREM', KEYS[2], request)
end
local lease = now + tonumber(ARGV[2])
local taken = redis.call('SPOP', KEYS[1], ARGV[1])
local failures = {}
for i, request in ipairs(taken) do
  redis.call('ZADD', KEYS[2], lease, request)
  failures[i] = tonumber(redis.call('HGET', KEYS[3], request) or '0')
end
local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local nextDue = -1
if #taken == 0 and first[2] then nextDue = math.max(tonumber(first[2]) - now, 0) end
return {lease, taken, failures, nextDue}`;

// ARGV: lease, request.
const DONE = `local request = ARGV[2]
if ${OURS} then
  redis.call('ZREM', KEYS[2], request)
  redis.call('HDEL', KEYS[3], request)
end
return 0`;

// ARGV: lease, request, retry in ms.
const RETRY = `${NOW}
local request = ARGV[2]
if ${OURS} then
  redis.call('HINCRBY', KEYS[3], request, 1)
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), request)
end
return 0`;

// ARGV: lease, request…
const RELEASE = `for i = 2, #ARGV do
  local request = ARGV[i]
  if ${OURS} then
    redis.call('ZREM', KEYS[2], request)
    redis.call('SADD', KEYS[1], request)
  end
end
return 0`;

/**
 * The pending set of the re-evaluation contract (@xero-access/model) as a reliable queue. A take
 * moves requests atomically from the set into `<pending>:taken`, a sorted set scored by when the
 * taker's lease ends, so each is taken by one replica, and a request the admin API adds again
 * meanwhile is a new one. A request leaves `taken` only once it is handled. One that its replica
 * never finished (a crash, an OOM kill, a lost node) goes back to the set at the first take after
 * its lease, and one that failed waits there, scored by when it is retried, so it holds up none of
 * the others. Every step checks that the lease is still the caller's, so a replica that outlived
 * its lease cannot remove a request another replica has taken since.
 */
export class PendingRequests {
  private readonly keys: string[];

  constructor(
    private readonly redis: Redis,
    pendingKey: string,
  ) {
    this.keys = [pendingKey, `${pendingKey}:taken`, `${pendingKey}:failures`];
  }

  async take(count: number, leaseMs: number): Promise<TakenRequests> {
    const [lease, requests, failures, nextDue] = (await this.run(TAKE, count, leaseMs)) as [
      number,
      string[],
      number[],
      number,
    ];
    return {
      lease,
      requests: requests.map((request, i) => ({ request, failures: failures[i] ?? 0 })),
      nextDueInMs: nextDue < 0 ? null : nextDue,
    };
  }

  /** Handled (or nothing left to handle): gone for good. */
  async done(lease: number, request: string): Promise<void> {
    await this.run(DONE, lease, request);
  }

  /** Failed: counted, and taken again in `delayMs`. */
  async retry(lease: number, request: string, delayMs: number): Promise<void> {
    await this.run(RETRY, lease, request, Math.round(delayMs));
  }

  /** Not handled (stopping): back to the set at once, for any replica. */
  async release(lease: number, requests: string[]): Promise<void> {
    if (requests.length > 0) await this.run(RELEASE, lease, ...requests);
  }

  private run(script: string, ...args: (string | number)[]): Promise<unknown> {
    return this.redis.eval(script, this.keys.length, ...this.keys, ...args);
  }
}
