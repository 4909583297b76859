import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import type { XeroConnection } from '@xero-access/crd';
import {
  REFRESH_TOKEN_SHA256_ANNOTATION,
  refreshTokenSha256,
  type XeroClient,
  type XeroTokenSet,
} from '@xero-access/xero-client';
import { describe, expect, it } from 'vitest';
import { wasLogged } from '@xero-access/model';
import { createLogger } from '../logging/logger.js';
import { memorySink } from '../test/memory-sink.js';
import { TokenManager } from './token-manager.js';
import { TokenSecretNotWritableError, XERO_REFRESH_GRACE_MS } from './unwritable-token-secret.js';

const SPENT = 'spent-refresh-token-0001';
const ROTATED = 'rotated-refresh-token-0002';
const base64 = (text: string) => Buffer.from(text).toString('base64');

const connection = {
  metadata: { namespace: 'finance', name: 'acme' },
  spec: {
    credentialsSecretRef: { name: 'acme-xero-app' },
    tokenSecretRef: { name: 'acme-xero-tokens' },
  },
} as unknown as XeroConnection;

/**
 * The API server as the token manager meets it: the token Secret (written by the operator, or
 * `overwritten` by something else), a dry run of the write-back that passes, and a write-back
 * that `refuses` with 422 or succeeds.
 */
function apiServer({ refuses = false, overwritten = false } = {}): CoreV1Api {
  const secret: V1Secret = {
    metadata: {
      name: 'acme-xero-tokens',
      namespace: 'finance',
      resourceVersion: '7',
      annotations: {
        [REFRESH_TOKEN_SHA256_ANNOTATION]: refreshTokenSha256(overwritten ? 'another' : SPENT),
      },
    },
    data: { refresh_token: base64(SPENT) },
  };
  return {
    readNamespacedSecret: () => Promise.resolve(structuredClone(secret)),
    replaceNamespacedSecret: (request: { body: V1Secret; dryRun?: string }) => {
      if (request.dryRun || !refuses)
        return Promise.resolve({
          ...request.body,
          metadata: { ...request.body.metadata, resourceVersion: '8' },
        });
      return Promise.reject(
        Object.assign(new Error('HTTP-Code: 422'), {
          code: 422,
          body: { message: 'admission webhook "kyverno" denied the request: data comes from Git' },
        }),
      );
    },
  } as unknown as CoreV1Api;
}

/** A Xero client whose refresh rotates the token set and hands it to `persist`, as the coordinator does. */
function xero(): XeroClient {
  const set: XeroTokenSet = {
    accessToken: 'access-token-0003',
    refreshToken: ROTATED,
    expiresAt: new Date(Date.now() + 30 * 60_000),
  } as XeroTokenSet;
  return {
    refresher: {
      refresh: async ({ persist }: { persist(tokens: XeroTokenSet): Promise<void> }) => {
        await persist(set);
        return set;
      },
    },
  } as unknown as XeroClient;
}

function manager(core: CoreV1Api) {
  const { sink, lines, text } = memorySink();
  const tokens = new TokenManager({
    core,
    refreshAheadMs: 60_000,
    logger: createLogger('info', sink),
  });
  return { tokens, lines, text };
}

describe('token manager log lines', () => {
  it('a rotated set not stored: one error line, a constant message with the Secret, the answer and the deadline as fields', async () => {
    const { tokens, lines, text } = manager(apiServer({ refuses: true }));
    const before = Date.now();
    const failed = await tokens.accessToken(connection, xero()).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(TokenSecretNotWritableError);
    // The reconcile's own line leaves it out: one line per failure.
    expect(wasLogged(failed)).toBe(true);
    expect(lines()).toHaveLength(1);
    const [line] = lines();
    expect(line).toMatchObject({
      level: 'error',
      msg: 'rotated token set not stored: Xero hands out the same set until graceEndsAt',
      connection: 'finance/acme',
      tokenSecret: 'acme-xero-tokens',
      kubeError: 'HTTP 422: admission webhook "kyverno" denied the request: data comes from Git',
    });
    const graceEndsAt = Date.parse(line!.graceEndsAt as string);
    expect(graceEndsAt).toBeGreaterThanOrEqual(before + XERO_REFRESH_GRACE_MS);
    expect(graceEndsAt).toBeLessThanOrEqual(Date.now() + XERO_REFRESH_GRACE_MS);
    expect(line).not.toHaveProperty('secret');
    expect(text()).not.toContain(SPENT);
    expect(text()).not.toContain(ROTATED);
  });

  it('a rotation written back names the token Secret (not redacted as a secret)', async () => {
    const { tokens, lines } = manager(apiServer());
    await tokens.accessToken(connection, xero());
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'refresh token rotated and written back',
        connection: 'finance/acme',
        tokenSecret: 'acme-xero-tokens',
      }),
    ]);
  });

  it('an overwritten token Secret: a constant message, the Secret as a field', async () => {
    const { tokens, lines } = manager(apiServer({ overwritten: true }));
    const warnings: string[] = [];
    await tokens.accessToken(connection, xero(), {
      warn: (_reason, message) => Promise.resolve(void warnings.push(message)),
    });
    const [overwritten] = lines().filter((line) => line.level === 'warn');
    expect(overwritten).toEqual(
      expect.objectContaining({
        msg: 'token Secret holds a refresh token the operator did not write: something else overwrote it',
        connection: 'finance/acme',
        tokenSecret: 'acme-xero-tokens',
        eventReason: 'TokenSecretOverwritten',
      }),
    );
    // The Event keeps the whole explanation.
    expect(warnings[0]).toContain('Secret finance/acme-xero-tokens (spec.tokenSecretRef) holds');
  });
});
