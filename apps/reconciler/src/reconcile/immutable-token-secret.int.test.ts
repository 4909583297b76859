import type { V1Secret } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningReconciler } from '../app/bootstrap.js';
import { condition, until } from '../test/harness.js';
import { reconcileErrors } from '../test/reconciler-process.js';
import { useTestBed } from '../test/test-bed.js';
import { expectRecoveredWithOneRotation } from '../test/token-recovery.js';

describe('an immutable token Secret (the rotated tokens could not be written back)', () => {
  const bed = useTestBed({ name: 'immutable' });
  let reconciler: RunningReconciler;

  beforeAll(async () => {
    reconciler = await bed.startReconciler();
  });

  it('is refused before its refresh token is used, and the connection recovers once the Secret is recreated without immutable', async () => {
    const { namespace, sandbox, kube } = bed;
    const app = sandbox.apps.find((a) => a.kind === 'standard')!;
    const grant = sandbox.grants.find((g) => g.clientId === app.clientId)!;
    const tokenSecret = (immutable: boolean): V1Secret => ({
      metadata: { name: 'acme-tokens', namespace },
      type: 'Opaque',
      immutable,
      stringData: { refresh_token: grant.refreshToken! },
    });
    await bed.createSecret('acme-app', { clientId: app.clientId, clientSecret: app.clientSecret });
    await kube.core.createNamespacedSecret({ namespace, body: tokenSecret(true) });
    await bed.connectSecrets('acme');

    const refused = await bed.waitForReady('acme', 'False', 'InvalidSpec');
    const authenticated = condition(refused, 'Authenticated')!;
    expect(authenticated).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(authenticated.message).toContain(
      `Secret ${namespace}/acme-tokens (spec.tokenSecretRef): is immutable, so the operator could not write the rotated tokens back; its refresh token has not been used.`,
    );
    expect(authenticated.message).toContain('Recreate the Secret');
    expect(authenticated.message).not.toContain(grant.refreshToken!);
    // Retried with backoff, and never by spending the refresh token.
    const invalidSpecErrors = () => reconcileErrors(reconciler, 'InvalidSpec');
    await until(async () => (await invalidSpecErrors()) >= 2, 20_000);
    expect(sandbox.stats().tokenCalls.refresh_token).toBe(0);

    // An immutable Secret cannot be changed: the user deletes it and creates it again.
    await kube.core.deleteNamespacedSecret({ namespace, name: 'acme-tokens' });
    await kube.core.createNamespacedSecret({ namespace, body: tokenSecret(false) });
    await expectRecoveredWithOneRotation(bed, 'acme', grant.refreshToken!);
  });
});
