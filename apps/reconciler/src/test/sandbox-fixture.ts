import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '@xero-access/testing';
import { createLimiterRedis } from '@xero-access/xero-client';
import { startSandbox, type Sandbox, type Seed } from '@xero-access/xero-sandbox';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, inject } from 'vitest';

export interface SandboxFixture {
  /** A Xero sandbox of its own. */
  readonly sandbox: Sandbox;
  /** A connection to the test Redis, for the Xero client's limiter. */
  readonly redis: Redis;
  /** The local control plane's credentials (as an admin), for the APIs `core` does not cover. */
  readonly kc: KubeConfig;
  /** The local control plane's core API. */
  readonly core: CoreV1Api;
  /** A fresh test namespace; only when `namespace` names its prefix. */
  readonly namespace: string;
}

/**
 * For the enclosing describe block: a Xero sandbox (seeded with `seed`, else the default seed), a
 * Redis connection and, when `namespace` is given, a fresh test namespace named after it. Started
 * in beforeAll (the describe's own beforeAll hooks registered after this call run after it, and
 * may use the fields), closed in afterAll. Read the fields inside hooks and tests, not at
 * collection time.
 */
export function useSandboxFixture(
  options: { namespace?: string; seed?: Seed } = {},
): SandboxFixture {
  const state: { -readonly [K in keyof SandboxFixture]?: SandboxFixture[K] } = {};
  beforeAll(async () => {
    state.sandbox = await startSandbox(options.seed ? { seed: options.seed } : undefined);
    state.redis = createLimiterRedis(inject('redisUrl'));
    const kc = testKubeConfig();
    state.kc = kc;
    state.core = kc.makeApiClient(CoreV1Api);
    if (options.namespace) state.namespace = await createTestNamespace(kc, options.namespace);
  });
  afterAll(async () => {
    state.redis?.disconnect();
    await state.sandbox?.close();
  });
  const field = <K extends keyof SandboxFixture>(key: K): SandboxFixture[K] => {
    const value = state[key];
    if (value === undefined)
      throw new Error(
        key === 'namespace' && !options.namespace
          ? 'sandbox fixture: namespace was not asked for (pass options.namespace)'
          : `sandbox fixture: ${key} is not set up yet (read it in a hook or test)`,
      );
    return value as SandboxFixture[K];
  };
  return {
    get sandbox() {
      return field('sandbox');
    },
    get redis() {
      return field('redis');
    },
    get kc() {
      return field('kc');
    },
    get core() {
      return field('core');
    },
    get namespace() {
      return field('namespace');
    },
  };
}
