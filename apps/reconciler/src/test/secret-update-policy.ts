import { AdmissionregistrationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { until } from './harness.js';

export interface SecretUpdatePolicy {
  /** The ValidatingAdmissionPolicy's (and its binding's) name, as the API server's denial names it. */
  name: string;
  /** Deletes the policy and its binding, and waits until the API server admits the update again. */
  remove(): Promise<void>;
}

/**
 * A real admission refusal, as a cluster's policy engine (Kyverno, Gatekeeper) would make it: a
 * ValidatingAdmissionPolicy, bound to `namespace`, that denies UPDATE of Secret `secret` unless
 * `expression` (CEL, `object` and `oldObject`) holds: `false` denies every update, a dry run of
 * the Secret as it is included. Waits until the API server enforces it (its policy cache lags).
 * The caller removes it (cluster-scoped: it outlives the test namespace).
 */
export async function denySecretUpdates(
  kc: KubeConfig,
  namespace: string,
  secret: string,
  { expression = 'false', message }: { expression?: string; message: string },
): Promise<SecretUpdatePolicy> {
  const admission = kc.makeApiClient(AdmissionregistrationV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const name = `${namespace}-${secret}`;
  await admission.createValidatingAdmissionPolicy({
    body: {
      metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: [''],
              apiVersions: ['v1'],
              operations: ['UPDATE'],
              resources: ['secrets'],
              resourceNames: [secret],
            },
          ],
        },
        validations: [{ expression, message }],
      },
    },
  });
  await admission.createValidatingAdmissionPolicyBinding({
    body: {
      metadata: { name },
      spec: {
        policyName: name,
        validationActions: ['Deny'],
        matchResources: {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
        },
      },
    },
  });
  // A dry run changing the data: refused by either kind of policy once it is enforced.
  const probe = async (): Promise<'admitted' | 'refused' | 'raced'> => {
    const current = await core.readNamespacedSecret({ namespace, name: secret });
    const data = { ...current.data, 'policy-probe': Buffer.from('probe').toString('base64') };
    try {
      await core.replaceNamespacedSecret({
        namespace,
        name: secret,
        body: { ...current, data },
        dryRun: 'All',
      });
      return 'admitted';
    } catch (error) {
      // A write between the read and the dry run (409) says nothing about the policy.
      return (error as { code?: number }).code === 409 ? 'raced' : 'refused';
    }
  };
  await until(async () => (await probe()) === 'refused', 20_000, 100);
  let removed = false;
  return {
    name,
    async remove() {
      if (removed) return;
      removed = true;
      await admission.deleteValidatingAdmissionPolicyBinding({ name });
      await admission.deleteValidatingAdmissionPolicy({ name });
      await until(async () => (await probe()) === 'admitted', 20_000, 100);
    },
  };
}
