/**
 * A client process for the multi-process tests and the benchmark: the parent forks two of these,
 * sends each a job, then `go` to both at once, and collects what each observed.
 */
import { setMaxListeners } from 'node:events';
import got from 'got';
import { type Redis } from 'ioredis';
import { createXeroClient } from '../client.js';
import { type XeroLogger } from '../logger.js';
import { createLimiterRedis } from '../redis.js';
import {
  type ChildMessage,
  type DriverJob,
  type LoadJob,
  type LoadResult,
  type ParentMessage,
  type RefreshJob,
  type RefreshResult,
} from './driver-protocol.js';

const send = (message: ChildMessage) => process.send?.(message);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function count(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

async function offer(
  job: LoadJob,
  call: (tenantId: string, signal: AbortSignal) => Promise<void>,
): Promise<number> {
  const signal = AbortSignal.timeout(job.durationMs);
  setMaxListeners(0, signal); // every offered call listens to it
  const started = Date.now();
  const calls: Promise<void>[] = [];
  let next = 0;
  while (Date.now() - started < job.durationMs) {
    const due = Math.floor(((Date.now() - started) / 1000) * job.offeredPerSecond);
    while (calls.length < due)
      calls.push(call(job.tenantIds[next++ % job.tenantIds.length]!, signal));
    await sleep(5);
  }
  await Promise.all(calls);
  return calls.length;
}

async function sharedLoad(job: LoadJob, redis: Redis): Promise<LoadResult> {
  const result = emptyResult();
  const logger: XeroLogger = {
    debug: () => undefined,
    info: () => undefined,
    error: () => undefined,
    warn: (_obj, msg) => {
      if (msg.includes('429')) result.rateLimited++;
      if (msg.includes('in-memory') || msg.includes('could not date')) result.redisFallbacks++;
    },
  };
  const client = createXeroClient({
    credentials: job.credentials,
    endpoints: job.endpoints,
    redis,
    keyPrefix: job.keyPrefix,
    limits: job.limits,
    limiterTuning: job.tuning,
    logger,
  });
  await offer(job, async (tenantId, signal) => {
    try {
      await client.accounting.getOrganisation(job.accessToken, tenantId, { signal });
      result.succeeded++;
      result.succeededAt.push(Date.now());
    } catch (error) {
      if (signal.aborted) result.abandoned++;
      else count(result.failures, (error as { reason?: string }).reason ?? String(error));
    }
  });
  return result;
}

/** The baseline: fire at the offered rate, and after a 429 wait Retry-After and try again. */
async function naiveLoad(job: LoadJob): Promise<LoadResult> {
  const result = emptyResult();
  const http = got.extend({
    throwHttpErrors: false,
    retry: { limit: 0 },
    timeout: { request: 10_000 },
  });
  await offer(job, async (tenantId, signal) => {
    for (;;) {
      try {
        const response = await http(`${job.endpoints.apiUrl}/api.xro/2.0/Organisation`, {
          headers: {
            authorization: `Bearer ${job.accessToken}`,
            'xero-tenant-id': tenantId,
            accept: 'application/json',
          },
          signal,
        });
        if (response.statusCode === 200) {
          result.succeeded++;
          result.succeededAt.push(Date.now());
          return;
        }
        if (response.statusCode !== 429) {
          count(result.failures, `HTTP ${response.statusCode}`);
          return;
        }
        result.rateLimited++;
        await sleep(Number(response.headers['retry-after'] ?? 1) * 1000);
        if (signal.aborted) throw signal.reason;
      } catch {
        if (signal.aborted) result.abandoned++;
        else count(result.failures, 'network');
        return;
      }
    }
  });
  return result;
}

async function refresh(job: RefreshJob, redis: Redis): Promise<RefreshResult> {
  const client = createXeroClient({
    credentials: job.credentials,
    endpoints: job.endpoints,
    redis,
    keyPrefix: job.keyPrefix,
  });
  const result: RefreshResult = { accessTokens: [], refreshTokens: [], persisted: 0, failures: [] };
  await Promise.all(
    Array.from({ length: job.callers }, async () => {
      try {
        const tokens = await client.refresher.refresh({
          connectionKey: job.connectionKey,
          refreshToken: job.refreshToken,
          persist: async () => {
            result.persisted++;
          },
        });
        result.accessTokens.push(tokens.accessToken);
        result.refreshTokens.push(tokens.refreshToken);
      } catch (error) {
        result.failures.push((error as Error).message);
      }
    }),
  );
  return result;
}

let job: DriverJob | undefined;
let redis: Redis | undefined;

process.on('message', (message: ParentMessage) => {
  void (async () => {
    try {
      if (message.type === 'job') {
        job = message.job;
        redis = createLimiterRedis(job.redisUrl);
        if (redis.status !== 'ready') await new Promise((r) => redis!.once('ready', r));
        send({ type: 'ready' });
        return;
      }
      if (!job || !redis) throw new Error('go before job');
      const result =
        job.kind === 'refresh'
          ? await refresh(job, redis)
          : job.mode === 'naive'
            ? await naiveLoad(job)
            : await sharedLoad(job, redis);
      send({ type: 'done', result });
      redis.disconnect();
      process.disconnect?.();
    } catch (error) {
      send({ type: 'error', message: (error as Error).stack ?? String(error) });
    }
  })();
});

function emptyResult(): LoadResult {
  return {
    succeeded: 0,
    succeededAt: [],
    rateLimited: 0,
    redisFallbacks: 0,
    abandoned: 0,
    failures: {},
  };
}
