import type { Sandbox } from '@xero-access/xero-sandbox';
import { expect } from 'vitest';
import { readTokenSecret } from '../token/token-secret.js';
import { condition } from './harness.js';
import type { TestBed } from './test-bed.js';

/**
 * For a connection whose token Secret was refused and then fixed: waits until XeroConnection
 * `name` is Ready (within `timeoutMs`, else waitForReady's default) and checks it recovered by
 * rotating its refresh token once: Authenticated True (TokenValid), one rotation, no token error,
 * and `<name>-tokens` holding a refresh token other than `seeded`, with its rotation time.
 * Returns the sandbox's stats, for more checks.
 */
export async function expectRecoveredWithOneRotation(
  bed: TestBed,
  name: string,
  seeded: string,
  timeoutMs?: number,
): Promise<ReturnType<Sandbox['stats']>> {
  const { namespace, sandbox, kube } = bed;
  const recovered = await bed.waitForReady(name, 'True', undefined, timeoutMs);
  expect(condition(recovered, 'Authenticated')).toMatchObject({
    status: 'True',
    reason: 'TokenValid',
  });
  const stats = sandbox.stats();
  expect(stats.refreshRotations).toBe(1);
  expect(stats.tokenErrors).toEqual({});
  const { tokens } = await readTokenSecret(kube.core, namespace, `${name}-tokens`);
  expect(tokens.refreshToken).not.toBe(seeded);
  expect(tokens.rotatedAt).not.toBeNull();
  return stats;
}
