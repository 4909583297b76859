import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningReconciler } from '../app/bootstrap.js';
import { condition, until } from '../test/harness.js';
import { metricValue } from '../test/reconciler-process.js';
import { denySecretUpdates, type SecretUpdatePolicy } from '../test/secret-update-policy.js';
import { useTestBed, type TestBed } from '../test/test-bed.js';
import { readTokenSecret } from '../token/token-secret.js';

/** The seeded authorization-code grant: `acme-app` and `acme-tokens` in the bed's namespace. */
async function seedSecrets(bed: TestBed): Promise<string> {
  const app = bed.sandbox.apps.find((a) => a.kind === 'standard')!;
  const grant = bed.sandbox.grants.find((g) => g.clientId === app.clientId)!;
  await bed.createSecret('acme-app', { clientId: app.clientId, clientSecret: app.clientSecret });
  await bed.createSecret('acme-tokens', { refresh_token: grant.refreshToken! });
  return grant.refreshToken!;
}

async function createConnection(bed: TestBed): Promise<void> {
  await bed.createConnection('acme', {
    credentialsSecretRef: { name: 'acme-app' },
    tokenSecretRef: { name: 'acme-tokens' },
  });
}

/** Failed reconciles counted with this reason. */
async function errorsWith(reconciler: RunningReconciler, reason: string): Promise<number> {
  const text = await (await fetch(`${reconciler.url}/metrics`)).text();
  return metricValue(text, 'xao_reconcile_errors_total{', `reason="${reason}"`);
}

async function authenticatedMessage(bed: TestBed): Promise<string> {
  return condition(await bed.getConnection('acme'), 'Authenticated')?.message ?? '';
}

describe('a token Secret an admission policy does not let the reconciler update', () => {
  const bed = useTestBed({ name: 'unwritable' });
  let reconciler: RunningReconciler;
  let policy: SecretUpdatePolicy | undefined;

  beforeAll(async () => {
    bed.onStop(() => policy?.remove());
    reconciler = await bed.startReconciler();
  });

  it(
    'is refused before its refresh token is spent, and syncs with the same token once the policy is gone',
    { timeout: 120_000 },
    async () => {
      const { namespace, sandbox, kube } = bed;
      const seeded = await seedSecrets(bed);
      policy = await denySecretUpdates(bed.kc, namespace, 'acme-tokens', {
        message: 'token Secrets are managed by GitOps',
      });
      await createConnection(bed);

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
      await until(
        async () => (await errorsWith(reconciler, 'TokenSecretNotWritable')) >= 2,
        20_000,
      );
      expect(sandbox.stats().tokenCalls.refresh_token).toBe(0);

      await policy.remove();
      const recovered = await bed.waitForReady('acme', 'True', undefined, 60_000);
      expect(condition(recovered, 'Authenticated')).toMatchObject({
        status: 'True',
        reason: 'TokenValid',
      });
      // The seeded token, never used before, rotated once: no replay, no invalid_grant, no consent.
      const stats = sandbox.stats();
      expect(stats.refreshRotations).toBe(1);
      expect(stats.refreshGraceReplays).toBe(0);
      expect(stats.tokenErrors).toEqual({});
      const { tokens } = await readTokenSecret(kube.core, namespace, 'acme-tokens');
      expect(tokens.refreshToken).not.toBe(seeded);
      expect(tokens.rotatedAt).not.toBeNull();
    },
  );
});

describe('a token Secret whose write-back is refused after its dry run passed', () => {
  const bed = useTestBed({ name: 'unwritable-late' });
  let reconciler: RunningReconciler;
  let policy: SecretUpdatePolicy | undefined;

  beforeAll(async () => {
    bed.onStop(() => policy?.remove());
    reconciler = await bed.startReconciler();
  });

  it(
    'says the rotated set is not stored and until when Xero hands it out again; fixed within that time, nothing is lost',
    { timeout: 120_000 },
    async () => {
      const { namespace, sandbox, kube } = bed;
      const seeded = await seedSecrets(bed);
      // Lets the Secret be updated unchanged (the dry run) but refuses new data (the write-back):
      // the outcome of a policy or RBAC change between the dry run and the write.
      policy = await denySecretUpdates(bed.kc, namespace, 'acme-tokens', {
        expression: 'object.data == oldObject.data',
        message: 'the data of token Secrets comes from Git',
      });
      await createConnection(bed);

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
      await until(
        async () => (await errorsWith(reconciler, 'TokenSecretNotWritable')) >= 2,
        20_000,
      );
      expect(await authenticatedMessage(bed)).toContain(`same set until ${until30} `);
      expect(sandbox.stats().refreshRotations).toBe(1);
      expect(sandbox.stats().tokenErrors).toEqual({});

      await policy.remove();
      const recovered = await bed.waitForReady('acme', 'True', undefined, 60_000);
      expect(condition(recovered, 'Authenticated')).toMatchObject({
        status: 'True',
        reason: 'TokenValid',
      });
      const stats = sandbox.stats();
      expect(stats.refreshRotations).toBe(1);
      expect(stats.tokenErrors).toEqual({});
      const { tokens } = await readTokenSecret(kube.core, namespace, 'acme-tokens');
      // The set Xero rotated to at the first attempt, handed out again: no second rotation.
      expect(tokens.refreshToken).not.toBe(seeded);
      expect(tokens.rotatedAt).not.toBeNull();
    },
  );
});
