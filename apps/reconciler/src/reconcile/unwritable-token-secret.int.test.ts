import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningReconciler } from '../app/bootstrap.js';
import { condition, until } from '../test/harness.js';
import { reconcileErrors } from '../test/reconciler-process.js';
import { denySecretUpdates, type SecretUpdatePolicy } from '../test/secret-update-policy.js';
import { useTestBed, type TestBed } from '../test/test-bed.js';
import { expectRecoveredWithOneRotation } from '../test/token-recovery.js';

/**
 * For the enclosing describe block: a test bed named `name` with a reconciler running, and
 * `connectRefused`, which creates the seeded grant's `acme-app` and `acme-tokens`, has an admission
 * policy refuse updates of `acme-tokens` as `deny` says (removed when the bed stops), then creates
 * XeroConnection `acme`; it returns the seeded refresh token and the policy.
 */
function useRefusedTokenSecret(name: string) {
  const bed = useTestBed({ name });
  let reconciler: RunningReconciler;
  let policy: SecretUpdatePolicy | undefined;

  beforeAll(async () => {
    bed.onStop(() => policy?.remove());
    reconciler = await bed.startReconciler();
  });

  return {
    bed,
    /** Failed reconciles counted with this reason. */
    errorsWith: (reason: string) => reconcileErrors(reconciler, reason),
    async connectRefused(
      deny: Parameters<typeof denySecretUpdates>[3],
    ): Promise<{ seeded: string; policy: SecretUpdatePolicy }> {
      const seeded = await bed.createGrantSecrets('acme');
      policy = await denySecretUpdates(bed.kc, bed.namespace, 'acme-tokens', deny);
      await bed.connectSecrets('acme');
      return { seeded, policy };
    },
  };
}

async function authenticatedMessage(bed: TestBed): Promise<string> {
  return condition(await bed.getConnection('acme'), 'Authenticated')?.message ?? '';
}

describe('a token Secret an admission policy does not let the reconciler update', () => {
  const { bed, errorsWith, connectRefused } = useRefusedTokenSecret('unwritable');

  it(
    'is refused before its refresh token is spent, and syncs with the same token once the policy is gone',
    { timeout: 120_000 },
    async () => {
      const { namespace, sandbox } = bed;
      const { seeded, policy } = await connectRefused({
        message: 'token Secrets are managed by GitOps',
      });

      const refused = await bed.waitForReady('acme', 'False', 'TokenSecretNotWritable');
      // Xero was not asked: the refresh token is unspent.
      expect(sandbox.stats().tokenCalls.refresh_token).toBe(0);
      const authenticated = condition(refused, 'Authenticated')!;
      expect(authenticated).toMatchObject({ status: 'False', reason: 'TokenSecretNotWritable' });
      expect(authenticated.message).toContain(
        `Secret ${namespace}/acme-tokens (spec.tokenSecretRef): the reconciler may not write the rotated tokens into it, so it did not refresh: a dry run of the write-back was refused (HTTP 422: `,
      );
      expect(authenticated.message).toContain(
        `ValidatingAdmissionPolicy '${policy.name}' with binding '${policy.name}' denied request: token Secrets are managed by GitOps`,
      );
      expect(authenticated.message).toContain('an admission policy or webhook');
      expect(authenticated.message).toContain(
        'Its refresh token has not been used and stays valid',
      );
      expect(authenticated.message).not.toContain(seeded);
      // Retried with backoff, and never by spending the refresh token.
      await until(async () => (await errorsWith('TokenSecretNotWritable')) >= 2, 20_000);
      expect(sandbox.stats().tokenCalls.refresh_token).toBe(0);

      await policy.remove();
      // The seeded token, never used before, rotated once: no replay, no invalid_grant, no consent.
      const stats = await expectRecoveredWithOneRotation(bed, 'acme', seeded, 60_000);
      expect(stats.refreshGraceReplays).toBe(0);
    },
  );
});

describe('a token Secret whose write-back is refused after its dry run passed', () => {
  const { bed, errorsWith, connectRefused } = useRefusedTokenSecret('unwritable-late');

  it(
    'says the rotated set is not stored and until when Xero hands it out again; fixed within that time, nothing is lost',
    { timeout: 120_000 },
    async () => {
      const { namespace, sandbox } = bed;
      // Lets the Secret be updated unchanged (the dry run) but refuses new data (the write-back):
      // the outcome of a policy or RBAC change between the dry run and the write.
      const { seeded, policy } = await connectRefused({
        expression: 'object.data == oldObject.data',
        message: 'the data of token Secrets comes from Git',
      });

      const refused = await bed.waitForReady('acme', 'False', 'TokenSecretNotWritable');
      const first = condition(refused, 'Authenticated')!.message;
      expect(first).toContain(
        `Xero rotated the refresh token, but the rotated token set could not be stored in Secret ${namespace}/acme-tokens (spec.tokenSecretRef) (the Kubernetes API answered HTTP 422: `,
      );
      expect(first).toContain('denied request: the data of token Secrets comes from Git');
      expect(first).toMatch(
        /Xero answers the spent refresh token with the same set until \S+Z \(its 30-minute grace period\), and each retry asks for it again: fix the cause before then and nothing is lost/,
      );
      expect(first).not.toContain(seeded);
      const until30 = /same set until (\S+Z)/.exec(first)![1]!;
      const deadline = Date.parse(until30) - Date.now();
      expect(deadline).toBeGreaterThan(29 * 60_000);
      expect(deadline).toBeLessThanOrEqual(30 * 60_000);

      // Each retry gets the same set from Xero's grace period, and names the same deadline.
      await until(async () => sandbox.stats().refreshGraceReplays >= 1, 30_000);
      await until(async () => (await errorsWith('TokenSecretNotWritable')) >= 2, 20_000);
      expect(await authenticatedMessage(bed)).toContain(`same set until ${until30} `);
      expect(sandbox.stats().refreshRotations).toBe(1);
      expect(sandbox.stats().tokenErrors).toEqual({});

      await policy.remove();
      // The set Xero rotated to at the first attempt, handed out again: no second rotation.
      await expectRecoveredWithOneRotation(bed, 'acme', seeded, 60_000);
    },
  );
});
