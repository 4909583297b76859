import { ApiException, type CoreV1Api, type V1Secret } from '@kubernetes/client-node';
import type { XeroTokenSet } from '@xero-access/xero-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../config/config.js';
import { kubeProblemOf } from '../kube/kube.js';
import { createLogger } from '../logging/logger.js';
import type { Reevaluation } from '../reevaluation/reevaluation.service.js';
import { ANSWER_WITHIN_MS, TokenSetWriter, type TokenSetWrite } from './token-set-writer.js';

const tokens = (refreshToken: string) =>
  ({
    accessToken: `access-of-${refreshToken}`,
    refreshToken,
    idToken: null,
    expiresAt: new Date('2026-12-06T00:30:00Z'),
    scopes: ['offline_access'],
  }) as unknown as XeroTokenSet;

const refreshTokenOf = (secret: V1Secret | undefined) =>
  Buffer.from(secret?.data?.refresh_token ?? '', 'base64').toString('utf8');

/** A Kubernetes API holding one Secret, failing every call with `failure` while it is set. */
function fakeCluster() {
  const cluster = {
    failure: undefined as unknown,
    secret: {
      metadata: { name: 'acme-xero-tokens', namespace: 'finance', resourceVersion: '1' },
      data: {},
    } as V1Secret,
    calls: [] as number[],
    core: undefined as unknown as CoreV1Api,
  };
  const call = async () => {
    cluster.calls.push(Date.now());
    if (cluster.failure) throw cluster.failure;
  };
  cluster.core = {
    readNamespacedSecret: async () => {
      await call();
      return structuredClone(cluster.secret);
    },
    replaceNamespacedSecret: async ({ body }: { body: V1Secret }) => {
      await call();
      cluster.secret = body;
      return body;
    },
  } as unknown as CoreV1Api;
  return cluster;
}

describe('TokenSetWriter (a consent whose token set Kubernetes does not take at once)', () => {
  let lines: Record<string, unknown>[];
  let reevaluated: string[][];
  let writer: TokenSetWriter;
  let cluster: ReturnType<typeof fakeCluster>;
  const unreachable = new TypeError('fetch failed');
  const write = (refreshToken: string): TokenSetWrite => ({
    kube: { core: cluster.core, problemOf: kubeProblemOf },
    connection: 'finance/acme',
    namespace: 'finance',
    secret: 'acme-xero-tokens',
    tokens: tokens(refreshToken),
    startedBy: 'token:admin',
  });
  const messages = () => lines.map((l) => `${l.level} ${l.msg}`);

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-12-06T00:00:00Z') });
    lines = [];
    reevaluated = [];
    cluster = fakeCluster();
    writer = new TokenSetWriter(
      parseConfig({ tokenWriteRetryMs: '1m', oidc: {}, xero: {} }),
      createLogger('info', { write: (text: string) => void lines.push(JSON.parse(text)) }),
      {
        connections: async (_: string, keys: string[]) => {
          reevaluated.push(keys);
          return { reevaluated: keys, notReevaluated: [] as string[] };
        },
      } as Reevaluation,
    );
  });
  afterEach(() => vi.useRealTimers());

  it('stores at once when Kubernetes takes the write, and asks for re-evaluation', async () => {
    await expect(writer.store(write('first'))).resolves.toEqual({ stored: true });
    expect(refreshTokenOf(cluster.secret)).toBe('first');
    expect(reevaluated).toEqual([['finance/acme']]);
    expect(writer.pending).toBe(0);
  });

  it('answers "not stored yet" after a few seconds, keeps trying with capped backoff and stores it once Kubernetes is back', async () => {
    cluster.failure = unreachable;
    const answer = writer.store(write('rt-9f3a'));
    await vi.advanceTimersByTimeAsync(ANSWER_WITHIN_MS);
    await expect(answer).resolves.toEqual({
      stored: false,
      until: new Date('2026-12-06T00:01:00Z'),
      problem: 'unreachable (fetch failed)',
    });
    expect(writer.pending).toBe(1);
    await vi.advanceTimersByTimeAsync(40_000);
    const start = new Date('2026-12-06T00:00:00Z').getTime();
    // Doubling from 250 ms, never more than 10 s apart.
    expect(cluster.calls.map((t) => t - start)).toEqual([
      0, 250, 750, 1750, 3750, 7750, 15750, 25750, 35750,
    ]);
    cluster.failure = undefined;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(refreshTokenOf(cluster.secret)).toBe('rt-9f3a');
    expect(writer.pending).toBe(0);
    expect(messages().at(-1)).toBe('info stored a new Xero token set');
    expect(lines.at(-1)).toMatchObject({ connection: 'finance/acme', tries: 10 });
    expect(reevaluated).toEqual([['finance/acme']]);
    expect(JSON.stringify(lines)).not.toMatch(/rt-9f3a/);
  });

  it('holds a refusal too (RBAC, a policy or quota can be fixed), and gives up after TOKEN_WRITE_RETRY, naming the connection', async () => {
    cluster.failure = new ApiException(403, 'Forbidden', '{}', {});
    const answer = writer.store(write('refused'));
    await vi.advanceTimersByTimeAsync(ANSWER_WITHIN_MS);
    await expect(answer).resolves.toMatchObject({ stored: false, problem: 'HTTP 403' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(writer.pending).toBe(0);
    expect(lines.at(-1)).toMatchObject({
      level: 'error',
      msg: 'could not store the new Xero token set: the person must consent again',
      connection: 'finance/acme',
      secret: 'finance/acme-xero-tokens',
      problem: 'HTTP 403',
    });
    expect(refreshTokenOf(cluster.secret)).toBe('');
  });

  it('names a write that got no answer as the connections list does, in the answer and the logs', async () => {
    cluster.failure = Object.assign(new Error('The operation was aborted.'), {
      name: 'AbortError',
    });
    const answer = writer.store(write('silent'));
    await vi.advanceTimersByTimeAsync(ANSWER_WITHIN_MS);
    const problem = 'unreachable (no answer within 15 s)';
    await expect(answer).resolves.toMatchObject({ stored: false, problem });
    expect(lines.at(-1)).toMatchObject({ level: 'warn', connection: 'finance/acme', problem });
  });

  it('answers the failure at once when TOKEN_WRITE_RETRY leaves no time to try again', async () => {
    writer = new TokenSetWriter(
      parseConfig({ tokenWriteRetryMs: '0s', oidc: {}, xero: {} }),
      createLogger('silent'),
      { connections: async () => undefined } as unknown as Reevaluation,
    );
    cluster.failure = unreachable;
    await expect(writer.store(write('lost'))).rejects.toMatchObject({ status: 503 });
  });

  it('at shutdown tries a held set at once and every second through the drain, and logs what is unsaved at exit', async () => {
    cluster.failure = unreachable;
    void writer.store(write('draining'));
    await vi.advanceTimersByTimeAsync(16_000); // now in the 10 s pause after the try at 15.75 s
    const before = cluster.calls.length;
    writer.tryNow();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(cluster.calls.length - before).toBeGreaterThanOrEqual(3);
    const stopping = writer.beforeApplicationShutdown();
    await vi.advanceTimersByTimeAsync(2_000);
    await stopping;
    expect(lines.at(-1)).toMatchObject({
      level: 'error',
      msg: 'the admin API stopped before the new Xero token set was stored in its Secret: the person must consent again',
      connection: 'finance/acme',
      secret: 'finance/acme-xero-tokens',
      startedBy: 'token:admin',
    });
    expect(messages().filter((m) => m.startsWith('error '))).toHaveLength(1);
  });

  it('lets a newer consent for the same Secret replace a held one: the newer set is written last', async () => {
    cluster.failure = unreachable;
    void writer.store(write('older'));
    await vi.advanceTimersByTimeAsync(ANSWER_WITHIN_MS);
    cluster.failure = undefined;
    await expect(writer.store(write('newer'))).resolves.toEqual({ stored: true });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(refreshTokenOf(cluster.secret)).toBe('newer');
    expect(messages()).toContain('info a newer consent replaced a Xero token set not stored yet');
    expect(writer.pending).toBe(0);
  });
});
